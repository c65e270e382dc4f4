package dev.flota.ota.serial;

import dev.flota.flash.EspError;
import dev.flota.flash.nvs.NvsException;
import dev.flota.flash.nvs.NvsNamespace;
import dev.flota.flash.nvs.NvsPartition;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.ResumptionStore;
import dev.flota.ota.target.TargetException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Resumption on a chip behind its loader. The journal is the {@code ota_resumption} namespace of the chip's NVS
 * partition, mounted by Flota's {@link NvsPartition} on an {@link NvsMirror}, so every NVS flash operation reaches the
 * chip in NVS's order and the bytes are ESP-IDF's format, what the app on the chip reads with {@code nvs_get_*}.
 * Writing in place is {@link FlashLoader#programInPlace}: FLASH_BEGIN/FLASH_DATA on the ROM, page programs through
 * the SPI registers with the flasher stub. {@link #resume} opens a {@link SerialSession} at the offset; {@link #read} is
 * READ_FLASH, and waits until an open session has sent what it covers, so the journal records only bytes the chip
 * holds. The last read of a partition from byte 0 (the engine's plaintext, resuming an encrypted image) is kept for
 * the session's prefix, so that prefix crosses the link once.
 */
final class SerialResumption implements OtaResumption {

    private final SerialTarget target;
    private final Partition nvs;
    private Partition readPartition;
    private byte[] readFromStart;

    SerialResumption(SerialTarget target, Partition nvs) {
        this.target = target;
        this.nvs = nvs;
    }

    @Override
    public ResumptionStore journal() {
        Store store = new Store(this);
        store.namespace();
        return store;
    }

    private NvsNamespace mount() {
        return target.onLink(() -> {
            try {
                return NvsPartition.mount(NvsMirror.read(target.loader(), nvs), 0, nvs.size(),
                        nvs.readonly() ? NvsPartition.Mode.READ_ONLY : NvsPartition.Mode.READ_WRITE)
                        .open(ResumptionStore.NAMESPACE);
            } catch (NvsException e) {
                throw nvsError(e);
            }
        });
    }

    private static TargetException nvsError(NvsException e) {
        return new TargetException(EspError.ESP_FAIL, e.error().espName() + ": " + e.getMessage(), e);
    }

    @Override
    public OtaSession resume(Partition partition, long eraseSize, long offset) {
        target.checkUpdatable(partition);
        if (offset < 0 || offset > partition.size()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "resume offset 0x" + Long.toHexString(offset)
                    + " is outside partition '" + partition.label() + "'");
        }
        byte[] prefix;
        synchronized (this) {
            prefix = partition.equals(readPartition) && readFromStart.length >= offset ? readFromStart : null;
            readPartition = null;
            readFromStart = null;
        }
        return target.openSession(new SerialSession(target, partition, offset, prefix));
    }

    @Override
    public byte[] read(Partition partition, long offset, int length) {
        target.requireInTable(partition);
        if (offset < 0 || length < 0 || offset + length > partition.size()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_SIZE, length + " bytes at " + offset
                    + " are outside partition '" + partition.label() + "'");
        }
        target.openSession(partition).ifPresent(s -> s.writtenThrough(offset + length));
        byte[] bytes = target.readFlash(partition.offset() + offset, length);
        synchronized (this) {
            if (offset == 0) {
                readPartition = partition;
                readFromStart = bytes;
            } else {
                readPartition = null;
                readFromStart = null;
            }
        }
        return bytes;
    }

    /**
     * The namespace, mounted from a fresh read of the partition when first used and again after any failure (a
     * failed write leaves the host copy behind the chip).
     */
    private static final class Store implements ResumptionStore {

        private final SerialResumption owner;
        private NvsNamespace mounted;

        Store(SerialResumption owner) {
            this.owner = owner;
        }

        synchronized NvsNamespace namespace() {
            if (mounted == null) {
                mounted = owner.mount();
            }
            return mounted;
        }

        private synchronized <T> T call(Function<NvsNamespace, T> call) {
            NvsNamespace namespace = namespace();
            try {
                return owner.target.onLink(() -> call.apply(namespace));
            } catch (NvsException e) {
                mounted = null;
                throw nvsError(e);
            } catch (RuntimeException e) {
                mounted = null;
                throw e;
            }
        }

        private void run(java.util.function.Consumer<NvsNamespace> call) {
            call(namespace -> {
                call.accept(namespace);
                return null;
            });
        }

        @Override
        public OptionalInt getU16(String key) {
            return call(n -> n.getU16(key));
        }

        @Override
        public void setU16(String key, int value) {
            run(n -> n.setU16(key, value));
        }

        @Override
        public OptionalLong getU32(String key) {
            return call(n -> n.getU32(key));
        }

        @Override
        public void setU32(String key, long value) {
            run(n -> n.setU32(key, value));
        }

        @Override
        public Optional<String> getString(String key) {
            return call(n -> n.getString(key));
        }

        @Override
        public void setString(String key, String value) {
            run(n -> n.setString(key, value));
        }

        @Override
        public Optional<byte[]> getBlob(String key) {
            return call(n -> n.getBlob(key));
        }

        @Override
        public void setBlob(String key, byte[] value) {
            run(n -> n.setBlob(key, value));
        }

        @Override
        public void eraseAll() {
            run(NvsNamespace::eraseAll);
        }
    }
}
