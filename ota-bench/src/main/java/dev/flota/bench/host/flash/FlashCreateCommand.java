package dev.flota.bench.host.flash;

import dev.flota.bench.ByteSize;
import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.flash.FormatException;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashProvisioning;
import dev.flota.flash.efuse.EfuseException;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.SecureFeatures;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.keys.PemKeys;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SecureBootSigner;
import dev.flota.flash.secureboot.SignatureScheme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash create}: a fresh device as {@code idf.py flash} leaves it. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a raw flash image with the partition table at its offset (0x8000 unless the table "
                + "has a partition_table entry), blank otadata, and the factory app when given.")
final class FlashCreateCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the flash image to create (overwritten if it exists)")
    Path file;

    @Option(names = "--size", required = true, paramLabel = "SIZE", description = "flash size, e.g. 4MB")
    String size;

    @Option(names = "--partitions", required = true, paramLabel = "TABLE", description = "partition table, .csv or .bin")
    Path partitions;

    @Option(names = "--chip", paramLabel = "NAME", description = "esp32, esp32c3, ... (default: the factory app's chip, "
            + "else esp32)")
    String chip;

    @Option(names = "--chip-rev", paramLabel = "MAJOR.MINOR", defaultValue = "0.0", description = "chip revision")
    String chipRevision;

    @Option(names = "--efuse-blk-rev", paramLabel = "MAJOR.MINOR", defaultValue = "0.0",
            description = "eFuse block revision, checked against an app's min/max_efuse_blk_rev_full (not on esp32)")
    String efuseBlockRevision;

    @Option(names = "--factory", paramLabel = "IMAGE", description = "app written into the factory partition "
            + "(ota_0 when the table has none)")
    Path factory;

    @Option(names = "--rollback", description = "CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE")
    boolean rollback;

    @Option(names = "--anti-rollback", description = "CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK")
    boolean antiRollback;

    @Option(names = "--secure-version", paramLabel = "N", defaultValue = "0",
            description = "the eFuse secure version (with --anti-rollback)")
    int secureVersion;

    @Option(names = "--secure-boot-key", paramLabel = "PUBLIC.pem", description = "Secure Boot V2: burn the "
            + "digest of this public (or private) key into the next eFuse digest slot and enable Secure Boot, as the "
            + "bootloader leaves it after its first boot (repeat for up to 3 keys; esp32 and esp32c2 take one)")
    List<Path> secureBootKeys = new ArrayList<>();

    @Option(names = "--aggressive-revoke", description = "burn SECURE_BOOT_AGGRESSIVE_REVOKE (with --secure-boot-key; "
            + "not on esp32 and esp32c2)")
    boolean aggressiveRevoke;

    @Option(names = "--release", description = "release mode: burn the download-mode, JTAG and cache restrictions "
            + "of esp_flash_encryption_set_release_mode (Secure Download Mode where the chip has it)")
    boolean release;

    @Option(names = "--flash-encryption-key", paramLabel = "KEY.bin", description = "burn this espsecure key file "
            + "into the flash-encryption key eFuses (32 bytes: XTS-AES-128 or ESP32 AES-256; 64 bytes: XTS-AES-256 on "
            + "esp32s2/s3/p4). The eFuses only: the flash is not encrypted yet and the counter is not burned")
    Path flashEncryptionKey;

    @Option(names = "--flash-crypt-conf", paramLabel = "N", description = "ESP32 FLASH_CRYPT_CONFIG (default 0xF "
            + "with --flash-encryption-key)")
    String flashCryptConf;

    @Override
    public Integer call() {
        long bytes = ByteSize.parseFlashSize(size);
        PartitionTable table;
        try {
            table = PartitionTable.parseBinaryOrCsv(CliFiles.read(partitions),
                    PartitionCsv.Options.defaults().withFlashSize(bytes));
        } catch (FormatException e) {
            spec.commandLine().getErr().println("error: " + partitions + ": " + e.getMessage());
            return 1;
        }
        byte[] app = factory == null ? null : CliFiles.read(factory);
        DeviceProperties properties = DeviceProperties.of(chip(app));
        try {
            properties = properties.withChipRevision(DeviceProperties.parseRevision(chipRevision)).withRollback(rollback);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--chip-rev: " + e.getMessage(), e);
        }
        try {
            properties = properties.withEfuseBlockRevision(DeviceProperties.parseRevision(efuseBlockRevision));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--efuse-blk-rev: " + e.getMessage(), e);
        }
        if (antiRollback) {
            if (secureVersion < 0 || secureVersion > properties.efuseSecureVersionMax()) {
                throw new UsageException("--secure-version must be 0.." + properties.efuseSecureVersionMax());
            }
            properties = properties.withAntiRollback(secureVersion);
        } else if (secureVersion != 0) {
            throw new UsageException("--secure-version needs --anti-rollback");
        }
        properties = security(properties);
        long tableOffset = table.partitions().stream()
                .filter(p -> p.type() == Partition.TYPE_PARTITION_TABLE && p.subtype() == 0)
                .mapToLong(Partition::offset).findFirst().orElse(PartitionTable.DEFAULT_OFFSET);
        properties = properties.withPartitionTableOffset(tableOffset);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UsageException("cannot replace " + file + ": " + e.getMessage(), e);
        }
        try (FlashStorage storage = FlashStorage.file(file, bytes)) {
            NorFlash flash = NorFlash.create(storage, FlashFiles.config());
            FlashProvisioning.provision(flash, table, tableOffset, app);
            flash.flush();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        properties.save(DeviceProperties.sidecarOf(file));
        spec.commandLine().getOut().printf("Created %s: %d bytes, %s rev v%d.%d, table at 0x%x (%d partitions)%s%n",
                file, bytes, properties.chip().esptoolName(), properties.chipRevision() / 100,
                properties.chipRevision() % 100, tableOffset, table.partitions().size(),
                app == null ? "" : ", factory app " + app.length + " bytes");
        if (properties.secureBootEnabled() || release || flashEncryptionKey != null) {
            spec.commandLine().getOut().printf("eFuses: %s%n", FlashInfoCommand.securityLine(
                    EfuseJson.security(properties)));
        }
        if (app != null && !ImageVerifier.verify(app).valid()) {
            spec.commandLine().getErr().println("warning: the factory app does not verify: "
                    + ImageVerifier.verify(app).findings());
        }
        return 0;
    }

    /** The key first (Secure Boot write-protects RD_DIS), then the digests and Secure Boot, then release mode. */
    private DeviceProperties security(DeviceProperties base) {
        DeviceProperties properties = base;
        Efuses efuses = properties.efuses();
        try {
            if (flashEncryptionKey != null) {
                efuses = efuses.security().burnFlashEncryptionKey(CliFiles.read(flashEncryptionKey));
            }
            if (flashCryptConf != null || flashEncryptionKey != null && properties.chip() == Chip.ESP32) {
                if (properties.chip() != Chip.ESP32) {
                    throw new UsageException("--flash-crypt-conf is for esp32 only");
                }
                efuses = efuses.security().burnFlashCryptConfig(flashCryptConf == null ? 0xF
                        : Integer.decode(flashCryptConf));
            }
            if (!secureBootKeys.isEmpty()) {
                properties = properties.withSecureBootScheme(secureBootScheme(properties));
                if (properties.chip() == Chip.ESP32 && properties.chipRevision() < 300) {
                    throw new UsageException("Secure Boot V2 on esp32 needs chip revision v3.0 or later (--chip-rev)");
                }
                for (Path key : secureBootKeys) {
                    efuses = efuses.security().burnSecureBootDigest(publicKey(key).digest());
                }
                efuses = SecureFeatures.enableSecureBoot(efuses, aggressiveRevoke);
            } else if (aggressiveRevoke) {
                throw new UsageException("--aggressive-revoke needs --secure-boot-key");
            }
            if (release) {
                efuses = SecureFeatures.release(efuses);
            }
        } catch (EfuseException e) {
            throw new UsageException(e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw new UsageException("--flash-crypt-conf: not a number: " + flashCryptConf, e);
        }
        return properties.withEfuses(efuses);
    }

    private SignatureScheme secureBootScheme(DeviceProperties properties) {
        if (secureBootKeys.size() > properties.efuses().layout().secureBootSlots()) {
            throw new UsageException(properties.chip().esptoolName() + " has "
                    + properties.efuses().layout().secureBootSlots() + " Secure Boot digest slot(s), got "
                    + secureBootKeys.size() + " keys");
        }
        SignatureScheme scheme = publicKey(secureBootKeys.get(0)).scheme();
        for (Path key : secureBootKeys) {
            if (publicKey(key).scheme() != scheme) {
                throw new UsageException("--secure-boot-key: all keys must be of one scheme; " + key + " is "
                        + publicKey(key).scheme() + ", not " + scheme);
            }
        }
        if (!properties.efuses().layout().secureBootSchemes().contains(scheme)) {
            throw new UsageException(properties.chip().esptoolName() + " does not support Secure Boot V2 with "
                    + scheme + " (it has " + properties.efuses().layout().secureBootSchemes() + ")");
        }
        return scheme;
    }

    private static SecureBootKey publicKey(Path pem) {
        String text = CliFiles.readText(pem);
        try {
            if (PemKeys.isPrivate(text)) {
                return SecureBootSigner.from(PemKeys.privateKey(text)).publicKey();
            }
            return SecureBootKey.from(PemKeys.publicKey(text));
        } catch (RuntimeException e) {
            throw new UsageException("--secure-boot-key " + pem + ": " + e.getMessage(), e);
        }
    }

    private Chip chip(byte[] app) {
        if (chip != null) {
            return Chip.byName(chip).orElseThrow(() -> new UsageException("unknown chip '" + chip + "'"));
        }
        if (app != null) {
            return ImageVerifier.verify(app).header().flatMap(h -> h.chip()).orElse(Chip.ESP32);
        }
        return Chip.ESP32;
    }
}
