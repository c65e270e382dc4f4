package dev.flota.ota;

import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.OtaTarget;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * A target that runs {@code before} when an update session's {@code esp_ota_end} starts and {@code after} when it
 * returns: the moment the written image is verified (reads only) and copied to the final partition. Lets a test count
 * or cut the copy's flash operations, whatever the network's chunking did to the download's page programs.
 */
final class AroundEnd {

    private AroundEnd() {
    }

    static OtaTarget of(OtaTarget target, Runnable before, Runnable after) {
        return proxy(OtaTarget.class, target, (proxy, method, args) -> {
            Object result = invoke(method, target, args);
            return method.getName().equals("begin") ? session((OtaSession) result, before, after) : result;
        });
    }

    private static OtaSession session(OtaSession session, Runnable before, Runnable after) {
        return proxy(OtaSession.class, session, (proxy, method, args) -> {
            if (!method.getName().equals("end")) {
                return invoke(method, session, args);
            }
            before.run();
            Object result = invoke(method, session, args);
            after.run();
            return result;
        });
    }

    private static <T> T proxy(Class<T> type, T target, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
