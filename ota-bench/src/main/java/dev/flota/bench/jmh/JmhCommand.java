package dev.flota.bench.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jmh}: runs the JMH microbenchmarks packed in this jar (arguments as for JMH's own main). */
@Command(name = "jmh", mixinStandardHelpOptions = false,
        description = {"Run the JMH microbenchmarks in this jar, e.g. 'jmh DecryptBenchmark'.",
                "Arguments are JMH's own ('jmh -h' lists them)."})
public final class JmhCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "JMH arguments")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
