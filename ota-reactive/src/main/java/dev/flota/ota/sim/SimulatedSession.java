package dev.flota.ota.sim;

import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.ota.OtaHandle;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.target.OtaSession;
import java.nio.ByteBuffer;
import java.util.Optional;

/** The simulator's {@link OtaHandle} as an {@link OtaSession}. */
final class SimulatedSession implements OtaSession {

    private final OtaHandle handle;

    SimulatedSession(OtaHandle handle) {
        this.handle = handle;
    }

    @Override
    public Partition partition() {
        return handle.partition();
    }

    @Override
    public void setFinalPartition(Partition finalPartition, boolean copy) {
        SimulatedTarget.run(() -> handle.setFinalPartition(finalPartition, copy));
    }

    @Override
    public void write(ByteBuffer data) {
        SimulatedTarget.run(() -> handle.write(data));
    }

    @Override
    public void writeWithOffset(ByteBuffer data, long offset) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        SimulatedTarget.run(() -> handle.writeWithOffset(bytes, offset));
    }

    @Override
    public Optional<ImageVerification> end() {
        return SimulatedTarget.call(handle::end);
    }

    @Override
    public void abort() {
        SimulatedTarget.run(handle::abort);
    }

    @Override
    public boolean isOpen() {
        return handle.isOpen();
    }

    @Override
    public void verifyWritten() {
        handle.verifyWritten();
    }
}
