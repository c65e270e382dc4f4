package dev.flota.ota.sim;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.nvs.NvsException;
import dev.flota.flash.nvs.NvsNamespace;
import dev.flota.flash.nvs.NvsPartition;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.ResumptionStore;
import dev.flota.ota.target.TargetException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Resumption on the simulated device: the journal in the first NVS partition of its table (mounted as
 * {@code nvs_flash_init} would, once per {@link #journal()}), the simulator's {@code esp_ota_resume}, and reads of its
 * flash.
 */
final class SimulatedResumption implements OtaResumption {

    private final Device device;
    private final OtaOperations ota;

    SimulatedResumption(Device device, OtaOperations ota) {
        this.device = device;
        this.ota = ota;
    }

    static Optional<Partition> nvsPartition(Device device) {
        return device.partitionTable().partitions().stream()
                .filter(p -> p.type() == Partition.TYPE_DATA && p.subtype() == Partition.SUBTYPE_DATA_NVS)
                .findFirst();
    }

    @Override
    public ResumptionStore journal() {
        Partition nvs = nvsPartition(device).orElseThrow(() -> new TargetException(EspError.ESP_ERR_NOT_FOUND,
                "the partition table has no NVS partition for the resumption journal"));
        NvsNamespace namespace = nvs(() -> NvsPartition.mount(device.flash(), nvs).open(ResumptionStore.NAMESPACE));
        return new Store(namespace);
    }

    @Override
    public OtaSession resume(Partition partition, long eraseSize, long offset) {
        return new SimulatedSession(SimulatedTarget.call(() -> ota.resume(partition, eraseSize, offset)));
    }

    @Override
    public byte[] read(Partition partition, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > partition.size()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_SIZE, length + " bytes at " + offset
                    + " are outside partition '" + partition.label() + "'");
        }
        return SimulatedTarget.call(() -> device.flashView().read(partition, partition.offset() + offset, length));
    }

    /** An NVS call, its format errors as {@link TargetException}s and flash errors as for every simulator call. */
    private static <T> T nvs(Supplier<T> call) {
        return SimulatedTarget.call(() -> {
            try {
                return call.get();
            } catch (NvsException e) {
                throw new TargetException(EspError.ESP_FAIL, e.error().espName() + ": " + e.getMessage(), e);
            }
        });
    }

    private static void nvsRun(Runnable call) {
        nvs(() -> {
            call.run();
            return null;
        });
    }

    private record Store(NvsNamespace namespace) implements ResumptionStore {

        @Override
        public OptionalInt getU16(String key) {
            return nvs(() -> namespace.getU16(key));
        }

        @Override
        public void setU16(String key, int value) {
            nvsRun(() -> namespace.setU16(key, value));
        }

        @Override
        public OptionalLong getU32(String key) {
            return nvs(() -> namespace.getU32(key));
        }

        @Override
        public void setU32(String key, long value) {
            nvsRun(() -> namespace.setU32(key, value));
        }

        @Override
        public Optional<String> getString(String key) {
            return nvs(() -> namespace.getString(key));
        }

        @Override
        public void setString(String key, String value) {
            nvsRun(() -> namespace.setString(key, value));
        }

        @Override
        public Optional<byte[]> getBlob(String key) {
            return nvs(() -> namespace.getBlob(key));
        }

        @Override
        public void setBlob(String key, byte[] value) {
            nvsRun(() -> namespace.setBlob(key, value));
        }

        @Override
        public void eraseAll() {
            nvsRun(namespace::eraseAll);
        }
    }
}
