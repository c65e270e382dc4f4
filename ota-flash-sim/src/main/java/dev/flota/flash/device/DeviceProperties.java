package dev.flota.flash.device;

import dev.flota.flash.FormatException;
import dev.flota.flash.efuse.EfuseException;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.Chip;
import dev.flota.flash.secureboot.SignatureScheme;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a device knows that is not in its flash: chip and revision, its eFuses ({@link Efuses}: the eFuse block
 * revision, the anti-rollback secure version, Secure Boot V2 digests and their revocation, the flash-encryption key and
 * counter, the download-mode restrictions), the bootloader's Kconfig choices (rollback, anti-rollback, the Secure Boot
 * scheme), how a reset reaches the second-stage bootloader, where the partition table is, and which partition the
 * last boot started. Kept in a small sidecar file next to a raw flash image, so the image itself stays a plain
 * {@code esptool read_flash} dump.
 *
 * @param chip                     the chip
 * @param chipRevision             major * 100 + minor
 * @param efuses                   the chip's eFuses (of the same chip)
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
 * @param secureBootScheme         the Secure Boot V2 scheme the bootloader and app are built for
 *                                 ({@code CONFIG_SECURE_BOOT_V2_RSA_ENABLED} / {@code _ECDSA_ENABLED} and the curve);
 *                                 when empty, RSA-3072 where the chip has it, else ECDSA P-256
 */
public record DeviceProperties(Chip chip, int chipRevision, Efuses efuses, boolean rollback, boolean antiRollback,
        boolean bootloaderInFlash, long recoveryBootloaderOffset, long partitionTableOffset,
        Optional<String> runningPartition, Optional<SignatureScheme> secureBootScheme) {

    public static final long DEFAULT_PARTITION_TABLE_OFFSET = 0x8000;
    private static final String BLOCK_KEY = "efuse.BLOCK";

    public DeviceProperties {
        Objects.requireNonNull(chip);
        Objects.requireNonNull(efuses);
        Objects.requireNonNull(runningPartition);
        Objects.requireNonNull(secureBootScheme);
        if (efuses.chip() != chip) {
            throw new IllegalArgumentException("eFuses of " + efuses.chip() + " on a " + chip);
        }
        if (chipRevision < 0) {
            throw new IllegalArgumentException("the chip revision must not be negative");
        }
        if (recoveryBootloaderOffset < 0 || recoveryBootloaderOffset % 0x1000 != 0) {
            throw new IllegalArgumentException("the recovery bootloader offset must be a multiple of 0x1000");
        }
        if (secureBootScheme.isPresent() && !efuses.layout().secureBootSchemes().contains(secureBootScheme.get())) {
            throw new IllegalArgumentException(chip.displayName() + " does not support Secure Boot V2 with "
                    + secureBootScheme.get());
        }
    }

    /**
     * A device of {@code chip} revision v0.0, blank eFuses (blocks v0.0), rollback and anti-rollback off, the
     * simulator's own bootloader, table at 0x8000.
     */
    public static DeviceProperties of(Chip chip) {
        return new DeviceProperties(chip, 0, Efuses.blank(chip), false, false, false, 0,
                DEFAULT_PARTITION_TABLE_OFFSET, Optional.empty(), Optional.empty());
    }

    /** The eFuse block revision ({@code efuse_hal_blk_version}), major * 100 + minor, from the eFuses. */
    public int efuseBlockRevision() {
        return efuses.security().blockRevision();
    }

    /** The anti-rollback eFuse ({@code SECURE_VERSION}, number of burned bits). */
    public int efuseSecureVersion() {
        return efuses.security().secureVersion();
    }

    /** The width of {@code SECURE_VERSION} in bits: 32 on ESP32, 4 on ESP32-C2, 16 on the others. */
    public int efuseSecureVersionMax() {
        return efuses.security().secureVersionBits();
    }

    /** Whether Secure Boot V2 is on ({@code SECURE_BOOT_EN}, {@code ABS_DONE_1} on ESP32). */
    public boolean secureBootEnabled() {
        return efuses.security().secureBootEnabled();
    }

    /** The scheme the device checks signatures with: {@link #secureBootScheme()} or the chip's default. */
    public SignatureScheme effectiveSecureBootScheme() {
        return secureBootScheme.orElseGet(() -> efuses.layout().secureBootSchemes().contains(SignatureScheme.RSA_3072)
                ? SignatureScheme.RSA_3072 : SignatureScheme.ECDSA_P256);
    }

    /** Another chip, everything else kept; the eFuses are carried over field by field where the new chip has them. */
    public DeviceProperties withChip(Chip value) {
        Efuses moved = Efuses.blank(value);
        if (value != chip) {
            moved = moved.security().burnSecureVersion(Math.min(efuseSecureVersion(),
                    moved.security().secureVersionBits()));
            if (efuseBlockRevision() != 0) {
                moved = moved.security().burnBlockRevision(efuseBlockRevision());
            }
        } else {
            moved = efuses;
        }
        return new DeviceProperties(value, chipRevision, moved, rollback, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, partitionTableOffset, runningPartition, Optional.empty());
    }

    public DeviceProperties withChipRevision(int revision) {
        return new DeviceProperties(chip, revision, efuses, rollback, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, partitionTableOffset, runningPartition, secureBootScheme);
    }

    /** Burns the eFuse block revision, major * 100 + minor (burn-only: refused if it would clear a bit). */
    public DeviceProperties withEfuseBlockRevision(int revision) {
        return withEfuses(efuses.security().burnBlockRevision(revision));
    }

    /** These eFuses instead (they must be of the same chip; burn them through {@link Efuses}). */
    public DeviceProperties withEfuses(Efuses value) {
        return new DeviceProperties(chip, chipRevision, value, rollback, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, partitionTableOffset, runningPartition, secureBootScheme);
    }

    public DeviceProperties withSecureBootScheme(SignatureScheme scheme) {
        return new DeviceProperties(chip, chipRevision, efuses, rollback, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, partitionTableOffset, runningPartition, Optional.of(scheme));
    }

    public DeviceProperties withRollback(boolean enabled) {
        return new DeviceProperties(chip, chipRevision, efuses, enabled, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, partitionTableOffset, runningPartition, secureBootScheme);
    }

    /** Anti-rollback on, with the eFuse burned up to {@code secureVersion}. */
    public DeviceProperties withAntiRollback(int secureVersion) {
        return new DeviceProperties(chip, chipRevision, burnedSecureVersion(secureVersion), rollback, true,
                bootloaderInFlash, recoveryBootloaderOffset, partitionTableOffset, runningPartition,
                secureBootScheme);
    }

    /** The eFuse after burning bits up to {@code secureVersion} (it never goes down). */
    public DeviceProperties withEfuseSecureVersion(int secureVersion) {
        return withEfuses(burnedSecureVersion(secureVersion));
    }

    private Efuses burnedSecureVersion(int secureVersion) {
        try {
            return efuses.security().burnSecureVersion(secureVersion);
        } catch (EfuseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Whether the ROM loads and verifies the bootloader image in flash at every reset. */
    public DeviceProperties withBootloaderInFlash(boolean value) {
        return new DeviceProperties(chip, chipRevision, efuses, rollback, antiRollback, value,
                recoveryBootloaderOffset, partitionTableOffset, runningPartition, secureBootScheme);
    }

    /** Burns the recovery bootloader's flash offset into eFuse (0: not burnt). */
    public DeviceProperties withRecoveryBootloaderOffset(long offset) {
        return new DeviceProperties(chip, chipRevision, efuses, rollback, antiRollback, bootloaderInFlash, offset,
                partitionTableOffset, runningPartition, secureBootScheme);
    }

    public DeviceProperties withPartitionTableOffset(long offset) {
        return new DeviceProperties(chip, chipRevision, efuses, rollback, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, offset, runningPartition, secureBootScheme);
    }

    public DeviceProperties withRunningPartition(String label) {
        return new DeviceProperties(chip, chipRevision, efuses, rollback, antiRollback, bootloaderInFlash,
                recoveryBootloaderOffset, partitionTableOffset, Optional.ofNullable(label), secureBootScheme);
    }

    /** The sidecar of a raw flash image: {@code IMAGE.device.properties} beside it. */
    public static Path sidecarOf(Path flashImage) {
        return flashImage.resolveSibling(flashImage.getFileName() + ".device.properties");
    }

    public String encode() {
        Properties p = new Properties();
        p.setProperty("chip", chip.esptoolName());
        p.setProperty("chipRevision", revisionText(chipRevision));
        p.setProperty("efuse.blockRevision", revisionText(efuseBlockRevision()));
        p.setProperty("efuse.secureVersion", Integer.toString(efuseSecureVersion()));
        p.setProperty("efuse.secureVersionBits", Integer.toString(efuseSecureVersionMax()));
        efuses.rawBlocks().forEach((block, bytes) -> p.setProperty(BLOCK_KEY + block, HexFormat.of().formatHex(bytes)));
        secureBootScheme.ifPresent(scheme -> p.setProperty("bootloader.secureBootScheme", scheme.name()));
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
            return new DeviceProperties(chip, parseRevision(p.getProperty("chipRevision", "0.0")), efuses(chip, p),
                    Boolean.parseBoolean(p.getProperty("bootloader.rollback", "false")),
                    Boolean.parseBoolean(p.getProperty("bootloader.antiRollback", "false")),
                    Boolean.parseBoolean(p.getProperty("bootloader.inFlash", "false")),
                    Long.decode(p.getProperty("efuse.recoveryBootloaderOffset", "0")),
                    Long.decode(p.getProperty("partitionTable.offset", "0x8000")),
                    Optional.ofNullable(p.getProperty("running")),
                    Optional.ofNullable(p.getProperty("bootloader.secureBootScheme")).map(SignatureScheme::valueOf));
        } catch (IOException | IllegalArgumentException e) {
            throw new FormatException("bad device properties: " + e.getMessage(), e);
        }
    }

    /**
     * The eFuses of a sidecar: the raw blocks ({@code efuse.BLOCK<N>}, 64 hex digits, byte 0 first) when there are any; else, for a
     * sidecar written before the eFuse model, the block revision and secure version burned from
     * {@code efuse.blockRevision} and {@code efuse.secureVersion}.
     */
    private static Efuses efuses(Chip chip, Properties p) {
        Map<Integer, byte[]> blocks = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(BLOCK_KEY)) {
                blocks.put(Integer.parseInt(key.substring(BLOCK_KEY.length())),
                        HexFormat.of().parseHex(p.getProperty(key).trim()));
            }
        }
        if (!blocks.isEmpty()) {
            return Efuses.of(chip, blocks);
        }
        Efuses legacy = Efuses.blank(chip);
        int blockRevision = parseRevision(p.getProperty("efuse.blockRevision", "0.0"));
        if (blockRevision != 0) {
            legacy = legacy.security().burnBlockRevision(blockRevision);
        }
        return legacy.security().burnSecureVersion(Integer.parseInt(p.getProperty("efuse.secureVersion", "0")));
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
