package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** The fleet-wide buffer budget: first come first served, cancellation, and a fleet that stays within it. */
class BufferBudgetTest {

    private static final int KIB = 1024;

    @Test
    void reservationsWaitInArrivalOrderUntilBytesComeBack() {
        BufferBudget budget = BufferBudget.of(64 * KIB);
        BufferBudget.Account first = budget.account();
        BufferBudget.Account second = budget.account();
        BufferBudget.Account third = budget.account();
        List<String> granted = new ArrayList<>();

        first.reserve(48 * KIB).subscribe(null, null, () -> granted.add("first"));
        second.reserve(32 * KIB).subscribe(null, null, () -> granted.add("second"));
        third.reserve(8 * KIB).subscribe(null, null, () -> granted.add("third"));
        assertThat(granted).as("the small third request does not overtake the waiting second").containsExactly("first");
        assertThat(budget.waiting()).isEqualTo(2);

        first.release(16 * KIB);
        assertThat(granted).as("32 KiB free: the second fits, then nothing is left").containsExactly("first",
                "second");
        first.release(8 * KIB);
        assertThat(granted).containsExactly("first", "second", "third");
        assertThat(budget.reserved()).isEqualTo(64 * KIB);
        assertThat(first.held()).isEqualTo(24 * KIB);

        first.releaseAll();
        second.releaseAll();
        third.releaseAll();
        assertThat(budget.reserved()).isZero();
    }

    @Test
    void updatesAlreadyUnderWayGoBeforeUpdatesNotYetStarted() {
        BufferBudget budget = BufferBudget.of(64 * KIB);
        BufferBudget.Account running = budget.account();
        BufferBudget.Account fresh = budget.account();
        List<String> granted = new ArrayList<>();
        running.reserve(56 * KIB).block();

        fresh.reserve(16 * KIB).subscribe(null, null, () -> granted.add("fresh"));
        running.reserve(16 * KIB).subscribe(null, null, () -> granted.add("running"));
        BufferBudget.Account small = budget.account();
        small.reserve(4 * KIB).subscribe(null, null, () -> granted.add("small"));
        assertThat(granted).as("8 KiB free, but a started update is waiting").isEmpty();

        running.release(8 * KIB);
        assertThat(granted).containsExactly("running");
        running.release(32 * KIB);
        assertThat(granted).containsExactly("running", "fresh", "small");
    }

    @Test
    void aCancelledWaitLeavesTheQueueAndLetsTheNextOneThrough() {
        BufferBudget budget = BufferBudget.of(64 * KIB);
        BufferBudget.Account holder = budget.account();
        BufferBudget.Account impatient = budget.account();
        BufferBudget.Account patient = budget.account();
        holder.reserve(60 * KIB).block();
        Disposable waiting = impatient.reserve(64 * KIB).subscribe();
        AtomicLong done = new AtomicLong();
        patient.reserve(4 * KIB).subscribe(null, null, done::incrementAndGet);
        assertThat(done).hasValue(0);

        waiting.dispose();
        assertThat(done).as("the queue's new head fits").hasValue(1);
        assertThat(impatient.held()).isZero();
        assertThat(budget.reserved()).isEqualTo(64 * KIB);
    }

    @Test
    void aRequestLargerThanTheBudgetTakesAllOfIt() {
        BufferBudget budget = BufferBudget.of(64 * KIB);
        BufferBudget.Account account = budget.account();
        account.reserve(1 << 20).block(Duration.ofSeconds(1));
        assertThat(account.held()).isEqualTo(64 * KIB);
        assertThatThrownBy(() -> BufferBudget.of(1024)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFleetSharingABudgetNeverHoldsMoreThanItAndAllBootTheNewImage() {
        byte[] image = TestImages.builder(Chip.ESP32_C3, "2.0", 96 * KIB).build();
        BufferBudget budget = BufferBudget.of(64 * KIB);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong peak = new AtomicLong();
        try (ByteServer server = new ByteServer(image)) {
            HttpsOta ota = HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true)
                    .maxHttpRequestSize(16 * KIB).meterRegistry(registry).bufferBudget(budget);
            List<Device> fleet = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                fleet.add(Conformance.device());
            }
            Flux.fromIterable(fleet).flatMap(device -> ota.update(SimulatedTarget.of(device)).doOnNext(event -> peak.accumulateAndGet(
                    (long) registry.get("flota.ota.bytes.buffered").gauge().value(), Math::max)))
                    .blockLast(Duration.ofSeconds(60));

            for (Device device : fleet) {
                assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
            }
        }
        assertThat(peak.get()).as("bytes fetched and not yet written, all updates together")
                .isPositive().isLessThanOrEqualTo(64 * KIB);
        assertThat(budget.reserved()).as("every update gave its share back").isZero();
        assertThat(budget.waiting()).isZero();
    }
}
