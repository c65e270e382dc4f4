package dev.flota.bench.host.flash;

import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashView;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash write}: erase a partition and write raw bytes into it, as {@code esptool write_flash} would. */
@Command(name = "write", mixinStandardHelpOptions = true,
        description = "Erase a partition and write raw bytes (an image, a table, data) at its start.")
final class FlashWriteCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Option(names = "--partition", required = true, paramLabel = "LABEL", description = "the partition to write")
    String label;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "the bytes to write")
    Path image;

    @Option(names = "--encrypt", description = "as esptool write-flash --encrypt: on a device with flash encryption "
            + "on, the device encrypts the bytes (padded with 0xFF to 32 bytes on esp32, 16 elsewhere); without it "
            + "they are written raw, as plaintext an encrypted device reads as garbage")
    boolean encrypt;

    @Override
    public Integer call() {
        byte[] bytes = CliFiles.read(image);
        try (FlashFiles.Opened opened = file.open()) {
            NorFlash flash = opened.flash();
            DeviceProperties properties = opened.properties();
            FlashView view = Device.of(flash, properties).flashView();
            if (encrypt && !view.encryptionOn()) {
                throw new UsageException("--encrypt: flash encryption is not on in " + file.path());
            }
            String noEncryptedDownload = properties.chip() == Chip.ESP32 ? "DISABLE_DL_ENCRYPT"
                    : "DIS_DOWNLOAD_MANUAL_ENCRYPT";
            if (encrypt && properties.efuses().layout().field(noEncryptedDownload).isPresent()
                    && properties.efuses().isSet(noEncryptedDownload)) {
                spec.commandLine().getErr().println("error: --encrypt: " + noEncryptedDownload + " is burned (release "
                        + "mode): only pre-encrypted ciphertext can be written");
                return 1;
            }
            Partition partition = PartitionTable.parse(view.read(properties.partitionTableOffset(),
                    PartitionTable.MAX_LENGTH)).find(label).orElseThrow(() -> new UsageException(
                            "no partition '" + label + "' in the table of " + file.path()));
            if (bytes.length > partition.size()) {
                spec.commandLine().getErr().printf("error: %s (%d bytes) does not fit partition '%s' (%d bytes)%n",
                        image, bytes.length, label, partition.size());
                return 1;
            }
            flash.eraseRange(partition.offset(), partition.size());
            if (encrypt) {
                int align = properties.chip() == Chip.ESP32 ? 32 : 16;
                byte[] padded = Arrays.copyOf(bytes, (bytes.length + align - 1) / align * align);
                Arrays.fill(padded, bytes.length, padded.length, (byte) 0xFF);
                if (padded.length > partition.size()) {
                    padded = Arrays.copyOf(padded, (int) partition.size());
                }
                view.encryptedFlash().orElseThrow().write(partition.offset(), padded);
            } else {
                flash.program(partition.offset(), bytes);
            }
            opened.save(properties);
            spec.commandLine().getOut().printf("Wrote %d bytes into '%s' at 0x%x%n", bytes.length, label,
                    partition.offset());
            return 0;
        }
    }
}
