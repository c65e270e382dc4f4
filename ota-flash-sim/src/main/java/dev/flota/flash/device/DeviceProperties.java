package dev.flota.flash.device;

import dev.flota.flash.FormatException;
import dev.flota.flash.image.Chip;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * What a device knows that is not in its flash: chip and revision, the eFuse block revision, the anti-rollback eFuse,
 * the bootloader's Kconfig choices (rollback, anti-rollback), how a reset reaches the second-stage bootloader, where
 * the partition table is, and which partition the last boot started. Kept in a small sidecar file next to a raw flash
 * image, so the image itself stays a plain {@code esptool read_flash} dump.
 *
 * @param chip                     the chip
 * @param chipRevision             major * 100 + minor
 * @param efuseBlockRevision       the eFuse block revision ({@code efuse_hal_blk_version}), major * 100 + minor,
 *                                 checked against an app's {@code min/max_efuse_blk_rev_full} on every chip but the
 *                                 ESP32
 * @param efuseSecureVersion       the anti-rollback eFuse (number of burned bits)
 * @param efuseSecureVersionMax    the eFuse field width in bits: 32 on ESP32, 16 on the others
 * @param rollback                 {@code CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE}
 * @param antiRollback             {@code CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK}
 * @param bootloaderInFlash        the second-stage bootloader is the image in flash at the chip's bootloader offset,
 *                                 which the ROM loads and verifies at every reset (a device whose image does not
 *                                 verify does not boot); false for a flash provisioned without one, whose bootloader
 *                                 is the simulator's own
 * @param recoveryBootloaderOffset eFuse {@code RECOVERY_BOOTLOADER_FLASH_SECTOR} as a flash offset, 0 when not burnt:
 *                                 where the ROM of a chip with the recovery bootloader feature (ESP32-C5, C61, P4,
 *                                 S31) loads a bootloader from when the primary one does not verify
 * @param partitionTableOffset     {@code CONFIG_PARTITION_TABLE_OFFSET}
 * @param runningPartition         label of the app the last boot started, if any
 */
public record DeviceProperties(Chip chip, int chipRevision, int efuseBlockRevision, int efuseSecureVersion,
        int efuseSecureVersionMax, boolean rollback, boolean antiRollback, boolean bootloaderInFlash,
        long recoveryBootloaderOffset, long partitionTableOffset, Optional<String> runningPartition) {

    public static final long DEFAULT_PARTITION_TABLE_OFFSET = 0x8000;

    public DeviceProperties {
        Objects.requireNonNull(chip);
        Objects.requireNonNull(runningPartition);
        if (chipRevision < 0 || efuseBlockRevision < 0 || efuseSecureVersion < 0
                || efuseSecureVersion > efuseSecureVersionMax) {
            throw new IllegalArgumentException("revisions and eFuse secure version must be in range");
        }
        if (recoveryBootloaderOffset < 0 || recoveryBootloaderOffset % 0x1000 != 0) {
            throw new IllegalArgumentException("the recovery bootloader offset must be a multiple of 0x1000");
        }
    }

    /**
     * A device of {@code chip} revision v0.0, eFuse blocks v0.0, rollback and anti-rollback off, the simulator's own
     * bootloader, table at 0x8000.
     */
    public static DeviceProperties of(Chip chip) {
        return new DeviceProperties(chip, 0, 0, 0, chip == Chip.ESP32 ? 32 : 16, false, false, false, 0,
                DEFAULT_PARTITION_TABLE_OFFSET, Optional.empty());
    }

    /** Another chip, everything else kept. */
    public DeviceProperties withChip(Chip value) {
        return new DeviceProperties(value, chipRevision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                rollback, antiRollback, bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset,
                runningPartition);
    }

    public DeviceProperties withChipRevision(int revision) {
        return new DeviceProperties(chip, revision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                rollback, antiRollback, bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset,
                runningPartition);
    }

    /** The eFuse block revision, major * 100 + minor. */
    public DeviceProperties withEfuseBlockRevision(int revision) {
        return new DeviceProperties(chip, chipRevision, revision, efuseSecureVersion, efuseSecureVersionMax, rollback,
                antiRollback, bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset, runningPartition);
    }

    public DeviceProperties withRollback(boolean enabled) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                enabled, antiRollback, bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset,
                runningPartition);
    }

    /** Anti-rollback on, with the eFuse already at {@code secureVersion}. */
    public DeviceProperties withAntiRollback(int secureVersion) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, secureVersion, efuseSecureVersionMax,
                rollback, true, bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset, runningPartition);
    }

    /** The eFuse after burning bits up to {@code secureVersion} (it never goes down). */
    public DeviceProperties withEfuseSecureVersion(int secureVersion) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, Math.max(efuseSecureVersion, secureVersion),
                efuseSecureVersionMax, rollback, antiRollback, bootloaderInFlash, recoveryBootloaderOffset,
                partitionTableOffset, runningPartition);
    }

    /** Whether the ROM loads and verifies the bootloader image in flash at every reset. */
    public DeviceProperties withBootloaderInFlash(boolean value) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                rollback, antiRollback, value, recoveryBootloaderOffset, partitionTableOffset, runningPartition);
    }

    /** Burns the recovery bootloader's flash offset into eFuse (0: not burnt). */
    public DeviceProperties withRecoveryBootloaderOffset(long offset) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                rollback, antiRollback, bootloaderInFlash, offset, partitionTableOffset, runningPartition);
    }

    public DeviceProperties withPartitionTableOffset(long offset) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                rollback, antiRollback, bootloaderInFlash, recoveryBootloaderOffset, offset, runningPartition);
    }

    public DeviceProperties withRunningPartition(String label) {
        return new DeviceProperties(chip, chipRevision, efuseBlockRevision, efuseSecureVersion, efuseSecureVersionMax,
                rollback, antiRollback, bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset,
                Optional.ofNullable(label));
    }

    /** The sidecar of a raw flash image: {@code IMAGE.device.properties} beside it. */
    public static Path sidecarOf(Path flashImage) {
        return flashImage.resolveSibling(flashImage.getFileName() + ".device.properties");
    }

    public String encode() {
        Properties p = new Properties();
        p.setProperty("chip", chip.esptoolName());
        p.setProperty("chipRevision", revisionText(chipRevision));
        p.setProperty("efuse.blockRevision", revisionText(efuseBlockRevision));
        p.setProperty("efuse.secureVersion", Integer.toString(efuseSecureVersion));
        p.setProperty("efuse.secureVersionBits", Integer.toString(efuseSecureVersionMax));
        p.setProperty("bootloader.rollback", Boolean.toString(rollback));
        p.setProperty("bootloader.antiRollback", Boolean.toString(antiRollback));
        p.setProperty("bootloader.inFlash", Boolean.toString(bootloaderInFlash));
        p.setProperty("efuse.recoveryBootloaderOffset", String.format("0x%x", recoveryBootloaderOffset));
        p.setProperty("partitionTable.offset", String.format("0x%x", partitionTableOffset));
        runningPartition.ifPresent(label -> p.setProperty("running", label));
        StringWriter out = new StringWriter();
        try {
            p.store(out, "Flota simulated device: what is not in flash");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static DeviceProperties parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
            Chip chip = Chip.byName(required(p, "chip"))
                    .orElseThrow(() -> new FormatException("unknown chip '" + p.getProperty("chip") + "'"));
            return new DeviceProperties(chip, parseRevision(p.getProperty("chipRevision", "0.0")),
                    parseRevision(p.getProperty("efuse.blockRevision", "0.0")),
                    Integer.parseInt(p.getProperty("efuse.secureVersion", "0")),
                    Integer.parseInt(p.getProperty("efuse.secureVersionBits", chip == Chip.ESP32 ? "32" : "16")),
                    Boolean.parseBoolean(p.getProperty("bootloader.rollback", "false")),
                    Boolean.parseBoolean(p.getProperty("bootloader.antiRollback", "false")),
                    Boolean.parseBoolean(p.getProperty("bootloader.inFlash", "false")),
                    Long.decode(p.getProperty("efuse.recoveryBootloaderOffset", "0")),
                    Long.decode(p.getProperty("partitionTable.offset", "0x8000")),
                    Optional.ofNullable(p.getProperty("running")));
        } catch (IOException | IllegalArgumentException e) {
            throw new FormatException("bad device properties: " + e.getMessage(), e);
        }
    }

    public static DeviceProperties load(Path sidecar) {
        try {
            return parse(Files.readString(sidecar, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read device properties " + sidecar, e);
        }
    }

    public void save(Path sidecar) {
        try {
            Path temporary = sidecar.resolveSibling(sidecar.getFileName() + ".tmp");
            Files.writeString(temporary, encode(), StandardCharsets.UTF_8);
            Files.move(temporary, sidecar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write device properties " + sidecar, e);
        }
    }

    /** Parses a chip or eFuse block revision {@code MAJOR.MINOR} (e.g. {@code 3.1}) into major * 100 + minor. */
    public static int parseRevision(String text) {
        String[] parts = text.trim().split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException("revision must be MAJOR.MINOR, got '" + text + "'");
        }
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        if (major < 0 || minor < 0 || minor > 99) {
            throw new IllegalArgumentException("revision must be MAJOR.MINOR with minor 0..99, got '" + text + "'");
        }
        return major * 100 + minor;
    }

    /** {@code MAJOR.MINOR} of a revision stored as major * 100 + minor. */
    public static String revisionText(int revision) {
        return revision / 100 + "." + revision % 100;
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return value;
    }
}
