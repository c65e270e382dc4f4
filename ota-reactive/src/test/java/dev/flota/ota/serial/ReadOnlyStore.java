package dev.flota.ota.serial;

import dev.flota.flash.nvs.NvsNamespace;
import dev.flota.ota.target.ResumptionStore;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** A namespace of an NVS image read by the simulator, as a journal the engine can read but not change. */
record ReadOnlyStore(NvsNamespace namespace) implements ResumptionStore {

    @Override
    public OptionalInt getU16(String key) {
        return namespace.getU16(key);
    }

    @Override
    public void setU16(String key, int value) {
        throw new UnsupportedOperationException("read-only");
    }

    @Override
    public OptionalLong getU32(String key) {
        return namespace.getU32(key);
    }

    @Override
    public void setU32(String key, long value) {
        throw new UnsupportedOperationException("read-only");
    }

    @Override
    public Optional<String> getString(String key) {
        return namespace.getString(key);
    }

    @Override
    public void setString(String key, String value) {
        throw new UnsupportedOperationException("read-only");
    }

    @Override
    public Optional<byte[]> getBlob(String key) {
        return namespace.getBlob(key);
    }

    @Override
    public void setBlob(String key, byte[] value) {
        throw new UnsupportedOperationException("read-only");
    }

    @Override
    public void eraseAll() {
        throw new UnsupportedOperationException("read-only");
    }
}
