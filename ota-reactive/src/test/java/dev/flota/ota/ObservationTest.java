package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** One Micrometer Observation per update, so tracing bridges see each update as a span. */
class ObservationTest {

    @Test
    void eachUpdateIsOneObservation() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                seen.add("start " + context.getName());
            }

            @Override
            public void onStop(Observation.Context context) {
                seen.add("stop " + context.getName() + " " + context.getLowCardinalityKeyValues().stream()
                        .map(kv -> kv.getKey() + "=" + kv.getValue()).sorted().toList());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            HttpsOta.create().url(server.url()).allowHttp(true).observationRegistry(registry)
                    .update(SimulatedTarget.of(Conformance.device())).blockLast(Duration.ofSeconds(30));
        }
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).isEqualTo("start flota.ota.update");
        assertThat(seen.get(1)).startsWith("stop flota.ota.update").contains("encrypted=false", "partial=false");
    }
}
