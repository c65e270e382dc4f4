package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.Json;
import dev.flota.bench.scenarios.ServerLoad.Measured;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The measured rounds of one server in {@code bench server}: each round's figures with the CPU the server and the load
 * generator spent on it, and their medians, minimum and maximum.
 */
final class ServerRounds {

    /**
     * One round.
     *
     * @param serverCpu CPU seconds of the server during the round (its event loops, its process), -1 when unknown
     * @param clientCpu CPU seconds of the load generator's event loops during the round
     * @param jitSeconds the time this JVM's JIT compilers spent during the round (a server in a child JVM not
     *                   included), -1 when unknown: how far from warm the round was
     */
    record Round(Measured measured, double serverCpu, double clientCpu, double jitSeconds) {
        double serverCpuMsPerRequest() {
            return perRequest(serverCpu);
        }

        double clientCpuMsPerRequest() {
            return perRequest(clientCpu);
        }

        private double perRequest(double cpu) {
            return cpu < 0 || measured.requests() == 0 ? -1 : cpu * 1000 / measured.requests();
        }
    }

    private final List<Round> rounds = new ArrayList<>();

    void add(Round round) {
        rounds.add(round);
    }

    List<Round> rounds() {
        return rounds;
    }

    /** The round with the median request rate. */
    Measured median() {
        List<Round> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(r -> r.measured().requestsPerSec()));
        return sorted.get(sorted.size() / 2).measured();
    }

    int failures() {
        return rounds.stream().mapToInt(r -> r.measured().failures()).sum();
    }

    String firstError() {
        return rounds.stream().map(r -> r.measured().firstError()).filter(Objects::nonNull).findFirst().orElse(null);
    }

    double serverCpuMsPerRequest() {
        return median(Round::serverCpuMsPerRequest);
    }

    double clientCpuMsPerRequest() {
        return median(Round::clientCpuMsPerRequest);
    }

    /** Requests/s and MB/s of the median round, the spread of the rounds, CPU per request, TLS, failures. */
    ObjectNode figures() {
        Measured m = median();
        double[] rates = rounds.stream().mapToDouble(r -> r.measured().requestsPerSec()).sorted().toArray();
        ObjectNode node = Json.object()
                .put("requestsPerSec", round(m.requestsPerSec(), 10))
                .put("mbPerSec", round(m.mbPerSec(), 10))
                .put("requestsPerSecMin", round(rates[0], 10))
                .put("requestsPerSecMax", round(rates[rates.length - 1], 10))
                .put("serverCpuMsPerRequest", round(serverCpuMsPerRequest(), 1000))
                .put("clientCpuMsPerRequest", round(clientCpuMsPerRequest(), 1000))
                .put("jitSeconds", round(rounds.stream().mapToDouble(Round::jitSeconds).filter(v -> v >= 0).sum(),
                        100))
                .put("failures", failures());
        String tls = rounds.stream().map(r -> r.measured().tls()).filter(Objects::nonNull).findFirst().orElse(null);
        if (tls == null) {
            node.putNull("tls");
        } else {
            node.put("tls", tls);
        }
        return node;
    }

    /** The median of a per-round figure over the rounds that know it; -1 when none does. */
    private double median(ToDoubleFunction<Round> figure) {
        double[] values = rounds.stream().mapToDouble(figure).filter(v -> v >= 0).sorted().toArray();
        return values.length == 0 ? -1 : values[values.length / 2];
    }

    /** The median of {@code values}, sorted in place. */
    static double median(double[] values) {
        Arrays.sort(values);
        return values[values.length / 2];
    }

    static double round(double value, int scale) {
        return value < 0 ? -1 : Math.round(value * scale) / (double) scale;
    }
}
