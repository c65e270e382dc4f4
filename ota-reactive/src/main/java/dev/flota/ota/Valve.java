package dev.flota.ota;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Passes downstream demand on to the source only as far as an allowance lets it: the allowance is asked, with the
 * demand not yet passed on and the items requested but not yet received, how many to request now. {@link #drain()}
 * asks again after the allowance changed; {@code onChange} runs after every request and every item, so a valve that
 * depends on this one can re-check.
 */
final class Valve<T> extends Flux<T> {

    /** How many of {@code demand} to request now, given {@code outstanding} requested and not received. */
    @FunctionalInterface
    interface Allowance {
        long take(long demand, long outstanding);
    }

    private final Flux<T> source;
    private final Allowance allowance;
    private final Runnable onChange;
    private Gate gate;

    Valve(Flux<T> source, Allowance allowance, Runnable onChange) {
        this.source = source;
        this.allowance = allowance;
        this.onChange = onChange;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        Gate subscribed = new Gate(actual);
        synchronized (this) {
            gate = subscribed;
        }
        source.subscribe(subscribed);
    }

    /** Asks the allowance again. */
    void drain() {
        Gate current;
        synchronized (this) {
            current = gate;
        }
        if (current != null) {
            current.drain();
        }
    }

    /** Whether items were requested from the source and have not arrived yet. */
    boolean starving() {
        Gate current;
        synchronized (this) {
            current = gate;
        }
        return current != null && current.outstanding() > 0;
    }

    private final class Gate implements CoreSubscriber<T>, Subscription {
        private final CoreSubscriber<? super T> actual;
        private Subscription upstream;
        private long demand;
        private long outstanding;
        private boolean draining;
        private boolean again;

        Gate(CoreSubscriber<? super T> actual) {
            this.actual = actual;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(T item) {
            synchronized (this) {
                outstanding--;
            }
            actual.onNext(item);
            onChange.run();
            drain();
        }

        @Override
        public void onError(Throwable failure) {
            actual.onError(failure);
        }

        @Override
        public void onComplete() {
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                synchronized (this) {
                    demand = Operators.addCap(demand, n);
                }
                drain();
            }
        }

        @Override
        public void cancel() {
            upstream.cancel();
        }

        synchronized long outstanding() {
            return outstanding;
        }

        void drain() {
            synchronized (this) {
                if (draining) {
                    again = true;
                    return;
                }
                draining = true;
            }
            while (true) {
                long n;
                synchronized (this) {
                    n = demand == 0 ? 0 : allowance.take(demand, outstanding);
                    demand -= n;
                    outstanding += n;
                    if (n == 0 && !again) {
                        draining = false;
                        return;
                    }
                    again = false;
                }
                if (n > 0) {
                    upstream.request(n);
                    onChange.run();
                }
            }
        }
    }
}
