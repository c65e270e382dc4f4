package dev.flota.ota.serial;

import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.EfuseRegisters;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.SecurityInfo;
import dev.flota.ota.serial.link.ResetSequence;
import dev.flota.ota.serial.link.SerialLink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Connecting to a chip's loader as esptool 5.3.1 does (§5.2, §3, §4.4 of the loader reference): reset into download
 * mode on a real port and SYNC (7 attempts of 5), detect the chip (GET_SECURITY_INFO's chip_id, else the magic word),
 * refuse Secure Download Mode, read the security eFuses ({@link ChipSecurity}), its revision and MAC, upload the stub when one is given (OHAI), SPI_ATTACH on a ROM, the flash size from RDID,
 * SPI_SET_PARAMS, and the baud rate.
 */
final class LoaderConnect {

    private static final int RAM_BLOCK = 0x1800;
    private static final int CONNECT_ATTEMPTS = 7;
    private static final int SYNCS_PER_ATTEMPT = 5;
    private static final long DEFAULT_FLASH_SIZE = 4L << 20;
    private static final Duration UNSUPPORTED_DRAIN = Duration.ofMillis(200);
    private static final Duration BAUD_SETTLE = Duration.ofMillis(50);
    private static final long ESP32_RTCCALICFG1 = 0x3FF5F06CL;
    private static final long ESP32_EFUSE_W3 = 0x3FF5A00CL;
    private static final long ESP32_EFUSE_W4 = 0x3FF5A010L;
    private static final long ESP32_EFUSE_W5 = 0x3FF5A014L;
    private static final Pattern BOOT_MODE = Pattern.compile("boot:(0x[0-9a-fA-F]+)");

    private LoaderConnect() {
    }

    /** Connects over {@code link}, which it then owns (closed on failure too). */
    static FlashLoader connect(SerialLink link, LoaderTimeouts timeouts, Optional<StubImage> stubImage, int baud,
            boolean reset, ResetSequence.Sleeper sleeper) {
        LoaderClient client = new LoaderClient(link, timeouts);
        try {
            boolean stubRunning = sync(client, reset, sleeper);
            client.strict();
            Optional<SecurityInfo> info = optionalSecurityInfo(client);
            ChipRegisters chip = detect(client, info);
            EfuseRegisters efuseRegisters = EfuseRegisters.of(chip);
            ChipSecurity security = new ChipSecurity(info, efuseRegisters.read(a -> client.readReg(a) & 0xFFFFFFFFL, efuseRegisters.stateBlocks()));
            int revision = chip.revision(a -> client.readReg(a) & 0xFFFFFFFFL);
            byte[] mac = chip.mac(a -> client.readReg(a) & 0xFFFFFFFFL);
            boolean stub = stubRunning;
            if (!stub && stubImage.isPresent()) {
                uploadStub(client, stubImage.get());
                stub = true;
            }
            if (!stub) {
                byte[] attach = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(spiPins(client, chip)).putInt(0).array();
                client.command(LoaderRequest.of(LoaderOpcode.SPI_ATTACH, attach), "attach the SPI flash");
            }
            int id = client.spiCommand(chip.spi(), 0x9F, 24);
            long size = flashSize(id);
            client.command(LoaderRequest.of(LoaderOpcode.SPI_SET_PARAMS, 0, (int) size, 0x10000, 0x1000, 0x100,
                    0xFFFF), "set SPI params");
            if (baud != FlashLoader.ROM_BAUD) {
                changeBaud(client, chip, stub, baud, sleeper);
            }
            return new FlashLoader(client, chip, stub, revision, mac, size, security);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static boolean sync(LoaderClient client, boolean reset, ResetSequence.Sleeper sleeper) {
        SerialLink link = client.link();
        List<ResetSequence> resets = reset && link.hasControlLines() ? ResetSequence.intoBootloader(link) : List.of();
        LoaderException last = null;
        String bootMode = null;
        boolean downloadMode = false;
        for (int attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
            if (!resets.isEmpty()) {
                client.discardInput();
                FlashLoader.run(resets.get(attempt % resets.size()), link, sleeper);
                String banner = client.readAvailableText();
                Matcher boot = BOOT_MODE.matcher(banner);
                if (boot.find()) {
                    bootMode = boot.group(1);
                    downloadMode = banner.contains("waiting for download");
                }
            }
            for (int i = 0; i < SYNCS_PER_ATTEMPT; i++) {
                client.discardInput();
                try {
                    return client.sync();
                } catch (LoaderException e) {
                    if (e.reason() == LoaderException.Reason.LINK_CLOSED) {
                        throw e;
                    }
                    last = e;
                }
            }
        }
        String why = bootMode == null ? "no SYNC reply" + (resets.isEmpty() ? "; is it in download mode?" : "")
                : downloadMode ? "Download mode successfully detected, but getting no sync reply: the serial TX path"
                        + " seems to be down"
                : "Wrong boot mode detected (" + bootMode + ")! The chip needs to be in download mode";
        throw new LoaderException(LoaderException.Reason.NO_SYNC, "Failed to connect to the chip on "
                + link.description() + ": " + why + (last == null ? "" : " (" + last.getMessage() + ")"), last);
    }

    /** GET_SECURITY_INFO, empty where the ROM (or the ESP32's stub) has none. */
    private static Optional<SecurityInfo> optionalSecurityInfo(LoaderClient client) {
        try {
            return Optional.of(securityInfo(client));
        } catch (LoaderException e) {
            if (e.reason() == LoaderException.Reason.UNSUPPORTED) {
                client.drain(UNSUPPORTED_DRAIN);
            } else if (e.reason() != LoaderException.Reason.FAILED) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /**
     * esptool's {@code detect_chip}: GET_SECURITY_INFO's chip_id, else the magic word; a chip in Secure Download Mode
     * is refused here, as esptool refuses every read it would need.
     */
    private static ChipRegisters detect(LoaderClient client, Optional<SecurityInfo> info) {
        if (info.isPresent() && info.get().secureDownloadEnabled()) {
            throw new LoaderException(LoaderException.Reason.SECURE_DOWNLOAD_MODE, "the chip is in Secure Download Mode"
                    + " (ENABLE_SECURITY_DOWNLOAD): its ROM serves only SYNC, SPI_ATTACH, SPI_SET_PARAMS, "
                    + "CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END and GET_SECURITY_INFO, so the partition table, otadata and "
                    + "running app cannot be read, nor a write verified; no stub can run. Update it over the air "
                    + "from its app; esptool can only write-flash raw (pre-encrypted, signed) images to it");
        }
        if (info.isPresent() && info.get().chipId().isPresent()) {
            int id = info.get().chipId().getAsInt();
            return Chip.byId(id).flatMap(ChipRegisters::of).filter(c -> !c.usesMagicValue())
                    .orElseThrow(() -> new LoaderException(LoaderException.Reason.UNKNOWN_CHIP,
                            "Unexpected chip ID value " + id));
        }
        int magic = client.readReg(ChipRegisters.MAGIC_REGISTER);
        return ChipRegisters.byMagicValue(magic).orElseThrow(() -> new LoaderException(
                LoaderException.Reason.UNKNOWN_CHIP, String.format("Unexpected chip magic value 0x%08x", magic)));
    }

    private static SecurityInfo securityInfo(LoaderClient client) {
        LoaderRequest request = LoaderRequest.of(LoaderOpcode.GET_SECURITY_INFO, new byte[0]);
        try {
            return SecurityInfo.parse(client.command(request, SecurityInfo.LENGTH, client.timeouts().command(),
                    "get security info").payload(SecurityInfo.LENGTH));
        } catch (LoaderException e) {
            if (e.reason() != LoaderException.Reason.FAILED) {
                throw e;
            }
            return SecurityInfo.parse(client.command(request, SecurityInfo.SHORT_LENGTH,
                    client.timeouts().command(), "get security info").payload(SecurityInfo.SHORT_LENGTH));
        }
    }

    private static void uploadStub(LoaderClient client, StubImage image) {
        uploadSegment(client, image.text(), image.textStart());
        if (image.data().length > 0) {
            uploadSegment(client, image.data(), image.dataStart());
        }
        client.command(LoaderRequest.of(LoaderOpcode.MEM_END, 0, (int) image.entry()), 0, client.timeouts().memEnd(),
                "leave RAM download mode");
        byte[] hello = client.readFrame(client.timeouts().command(), "start the stub flasher");
        if (!Arrays.equals(hello, "OHAI".getBytes(StandardCharsets.US_ASCII))) {
            throw new LoaderException(LoaderException.Reason.FAILED,
                    "Failed to start stub flasher. Unexpected response: " + HexFormat.of().formatHex(hello));
        }
    }

    private static void uploadSegment(LoaderClient client, byte[] bytes, long address) {
        int blocks = (bytes.length + RAM_BLOCK - 1) / RAM_BLOCK;
        client.command(LoaderRequest.of(LoaderOpcode.MEM_BEGIN, bytes.length, blocks, RAM_BLOCK, (int) address),
                "enter RAM download mode");
        for (int seq = 0; seq < blocks; seq++) {
            byte[] block = Arrays.copyOfRange(bytes, seq * RAM_BLOCK, Math.min(bytes.length, (seq + 1) * RAM_BLOCK));
            client.command(LoaderRequest.dataBlock(LoaderOpcode.MEM_DATA, seq, block), "write to target RAM");
        }
    }

    /** SPI_ATTACH's config word: 0 (default pins), or on ESP32 the pads eFuse configures. */
    private static int spiPins(LoaderClient client, ChipRegisters chip) {
        if (chip.chip() != Chip.ESP32) {
            return 0;
        }
        int w5 = client.readReg(ESP32_EFUSE_W5);
        int clk = w5 & 0x1F;
        int q = w5 >> 5 & 0x1F;
        int d = w5 >> 10 & 0x1F;
        int cs = w5 >> 15 & 0x1F;
        if ((clk | q | d | cs) == 0) {
            return 0;
        }
        int hd = client.readReg(ESP32_EFUSE_W3) >> 4 & 0x1F;
        return hd << 24 | cs << 18 | d << 12 | q << 6 | clk;
    }

    /** The flash size from the RDID capacity byte (0x12 = 256 KiB … 0x19 = 32 MiB); 4 MiB when unknown. */
    static long flashSize(int rdid) {
        int capacity = rdid >> 16 & 0xFF;
        return capacity >= 0x12 && capacity <= 0x19 ? 1L << capacity : DEFAULT_FLASH_SIZE;
    }

    private static void changeBaud(LoaderClient client, ChipRegisters chip, boolean stub, int baud,
            ResetSequence.Sleeper sleeper) {
        int sent = baud;
        if (!stub && chip.chip() == Chip.ESP32) {
            long calibration = (client.readReg(ESP32_RTCCALICFG1) & 0xFFFFFFFFL) >> 7 & 0x1FFFFFF;
            double fRom = calibration * 15625.0 * (client.readReg(ESP32_EFUSE_W4) & 0xFF) / 40;
            double fValid = fRom > 33e6 ? 40e6 : 26e6;
            sent = (int) Math.floor(baud * fRom / fValid);
        }
        client.command(LoaderRequest.of(LoaderOpcode.CHANGE_BAUDRATE, sent, stub ? FlashLoader.ROM_BAUD : 0),
                "change baud rate");
        try {
            client.link().baudRate(baud);
        } catch (IOException e) {
            throw LoaderClient.linkFailure(e);
        }
        FlashLoader.run(new ResetSequence("settle", List.of(new ResetSequence.Sleep(BAUD_SETTLE))), client.link(),
                sleeper);
        client.discardInput();
    }
}
