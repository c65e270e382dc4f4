package dev.flota.ota.serial;

import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SecurityInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.zip.Deflater;

/**
 * A chip in download mode, as esptool drives it: connect (reset, SYNC, detect, stub upload, SPI attach, flash size,
 * baud), then read, write compressed, erase, MD5 and reset, in the ROM dialect or, once a stub runs, the stub's
 * (§7.2 of the loader reference).
 */
final class FlashLoader implements AutoCloseable {

    static final int ROM_BAUD = 115200;
    static final int ROM_WRITE_SIZE = 0x400;
    static final int STUB_WRITE_SIZE = 0x4000;
    private static final int RAM_BLOCK = 0x1800;
    private static final int READ_SLOW_LENGTH = 64;
    private static final int READ_PACKET = 0x1000;
    private static final int READ_IN_FLIGHT = 64;
    private static final int CONNECT_ATTEMPTS = 7;
    private static final int SYNCS_PER_ATTEMPT = 5;
    private static final long DEFAULT_FLASH_SIZE = 4L << 20;
    private static final Duration UNSUPPORTED_DRAIN = Duration.ofMillis(200);
    private static final Duration BAUD_SETTLE = Duration.ofMillis(50);
    private static final long ESP32_RTCCALICFG1 = 0x3FF5F06CL;
    private static final long ESP32_EFUSE_W3 = 0x3FF5A00CL;
    private static final long ESP32_EFUSE_W4 = 0x3FF5A010L;
    private static final long ESP32_EFUSE_W5 = 0x3FF5A014L;

    private final LoaderClient client;
    private final ChipRegisters chip;
    private final boolean stub;
    private final int revision;
    private final byte[] mac;
    private final long flashSize;

    private FlashLoader(LoaderClient client, ChipRegisters chip, boolean stub, int revision, byte[] mac,
            long flashSize) {
        this.client = client;
        this.chip = chip;
        this.stub = stub;
        this.revision = revision;
        this.mac = mac;
        this.flashSize = flashSize;
    }

    /** Connects over {@code link}, which it then owns (closed on failure too). */
    static FlashLoader connect(SerialLink link, LoaderTimeouts timeouts, Optional<StubImage> stubImage, int baud,
            boolean reset, ResetSequence.Sleeper sleeper) {
        LoaderClient client = new LoaderClient(link, timeouts);
        try {
            boolean stubRunning = sync(client, reset, sleeper);
            client.strict();
            ChipRegisters chip = detect(client);
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
            if (baud != ROM_BAUD) {
                changeBaud(client, chip, stub, baud, sleeper);
            }
            return new FlashLoader(client, chip, stub, revision, mac, size);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static boolean sync(LoaderClient client, boolean reset, ResetSequence.Sleeper sleeper) {
        SerialLink link = client.link();
        List<ResetSequence> resets = reset && link.hasControlLines() ? ResetSequence.intoBootloader(link) : List.of();
        LoaderException last = null;
        for (int attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
            if (!resets.isEmpty()) {
                client.discardInput();
                run(resets.get(attempt % resets.size()), link, sleeper);
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
        throw new LoaderException(LoaderException.Reason.NO_SYNC, "Failed to connect to the chip on "
                + link.description() + ": no SYNC reply (" + (last == null ? "" : last.getMessage()) + ")"
                + (resets.isEmpty() ? "; is it in download mode?" : ""), last);
    }

    /** esptool's {@code detect_chip}: GET_SECURITY_INFO's chip_id, else the magic word. */
    private static ChipRegisters detect(LoaderClient client) {
        Optional<SecurityInfo> info = Optional.empty();
        try {
            info = Optional.of(securityInfo(client));
        } catch (LoaderException e) {
            if (e.reason() == LoaderException.Reason.UNSUPPORTED) {
                client.drain(UNSUPPORTED_DRAIN);
            } else if (e.reason() != LoaderException.Reason.FAILED) {
                throw e;
            }
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
            throw new LoaderException(LoaderException.Reason.FAILED, "Failed to start stub flasher. Unexpected response: "
                    + HexFormat.of().formatHex(hello));
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
        client.command(LoaderRequest.of(LoaderOpcode.CHANGE_BAUDRATE, sent, stub ? ROM_BAUD : 0),
                "change baud rate");
        try {
            client.link().baudRate(baud);
        } catch (IOException e) {
            throw LoaderClient.linkFailure(e);
        }
        run(new ResetSequence("settle", List.of(new ResetSequence.Sleep(BAUD_SETTLE))), client.link(), sleeper);
        client.discardInput();
    }

    private static void run(ResetSequence sequence, SerialLink link, ResetSequence.Sleeper sleeper) {
        try {
            sequence.run(link, sleeper);
        } catch (IOException e) {
            throw LoaderClient.linkFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException(LoaderException.Reason.ABORTED, "interrupted during " + sequence.name(), e);
        }
    }

    Chip chip() {
        return chip.chip();
    }

    ChipRegisters registers() {
        return chip;
    }

    boolean stub() {
        return stub;
    }

    int revision() {
        return revision;
    }

    byte[] mac() {
        return mac.clone();
    }

    long flashSize() {
        return flashSize;
    }

    String description() {
        return client.link().description();
    }

    /** Reads flash: READ_FLASH streamed with acks and its digest on the stub, READ_FLASH_SLOW by 64 bytes on a ROM. */
    byte[] readFlash(long offset, int length) {
        return stub ? readStreamed(offset, length) : readSlow(offset, length);
    }

    private byte[] readSlow(long offset, int length) {
        byte[] out = new byte[length];
        for (int done = 0; done < length; done += READ_SLOW_LENGTH) {
            int n = Math.min(READ_SLOW_LENGTH, length - done);
            LoaderResponse r = client.command(LoaderRequest.of(LoaderOpcode.READ_FLASH_SLOW, (int) (offset + done), n),
                    READ_SLOW_LENGTH, client.timeouts().command(), "read flash");
            System.arraycopy(r.payload(READ_SLOW_LENGTH), 0, out, done, n);
        }
        return out;
    }

    private byte[] readStreamed(long offset, int length) {
        client.command(LoaderRequest.of(LoaderOpcode.READ_FLASH, (int) offset, length, READ_PACKET, READ_IN_FLIGHT),
                "read flash");
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        while (out.size() < length) {
            byte[] packet = client.readFrame(client.timeouts().command(), "read flash");
            if (packet.length != Math.min(READ_PACKET, length - out.size())) {
                throw new LoaderException(LoaderException.Reason.GARBLED, "Corrupt data, expected 0x"
                        + Integer.toHexString(Math.min(READ_PACKET, length - out.size())) + " bytes but received 0x"
                        + Integer.toHexString(packet.length) + " bytes");
            }
            out.write(packet, 0, packet.length);
            client.writeRaw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(out.size()).array());
        }
        byte[] digest = client.readFrame(client.timeouts().command(), "read flash");
        byte[] data = out.toByteArray();
        if (!Arrays.equals(digest, md5(data))) {
            throw new LoaderException(LoaderException.Reason.MD5_MISMATCH, "Digest mismatch: the flash at 0x"
                    + Long.toHexString(offset) + " did not read back as the stub's MD5 says");
        }
        return data;
    }

    /**
     * Writes {@code plain} at {@code offset} (4 KiB aligned) as one FLASH_DEFL_BEGIN/DATA(/END) run, zlib level 9. On
     * a ROM: 1 KiB blocks, one in flight (the ROM erases at BEGIN and inflates and writes each block before it acks;
     * it has no buffer for a second). With the stub: 16 KiB blocks, two in flight, as the stub receives one block
     * while it writes the previous (its double buffer); it reports a write error at the next command, hence the END.
     * Either way an ack releases the next block: the chip paces the host. {@code stop} is asked before each block.
     */
    void writeDeflated(long offset, byte[] plain, BooleanSupplier stop) {
        byte[] compressed = deflate(plain);
        int blockSize = stub ? STUB_WRITE_SIZE : ROM_WRITE_SIZE;
        int window = stub ? 2 : 1;
        int blocks = (compressed.length + blockSize - 1) / blockSize;
        int size = stub ? plain.length : roundUp(plain.length, ROM_WRITE_SIZE);
        client.command(begin(LoaderOpcode.FLASH_DEFL_BEGIN, size, blocks, blockSize, offset), 0,
                stub ? client.timeouts().command() : client.timeouts().erase(size), "enter compressed flash mode");
        Duration perBlock = client.timeouts().write(Math.max(1, plain.length / Math.max(1, blocks)) * 4L);
        int acked = 0;
        for (int seq = 0; seq < blocks; seq++) {
            if (stop.getAsBoolean()) {
                throw new LoaderException(LoaderException.Reason.ABORTED, "the write at 0x"
                        + Long.toHexString(offset) + " was stopped after block " + seq + " of " + blocks);
            }
            byte[] block = Arrays.copyOfRange(compressed, seq * blockSize, Math.min(compressed.length,
                    (seq + 1) * blockSize));
            client.send(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, seq, block));
            if (seq + 1 - acked >= window) {
                client.awaitOk(LoaderOpcode.FLASH_DEFL_DATA.code(), perBlock,
                        "write compressed data to flash after seq " + acked++);
            }
        }
        while (acked < blocks) {
            client.awaitOk(LoaderOpcode.FLASH_DEFL_DATA.code(), perBlock,
                    "write compressed data to flash after seq " + acked++);
        }
        if (stub) {
            client.command(LoaderRequest.of(LoaderOpcode.FLASH_DEFL_END, 1), "leave compressed flash mode");
        }
    }

    /** How many bytes of an image one {@link #writeDeflated} run takes: 64 KiB on a ROM, 256 KiB with the stub. */
    int segmentSize() {
        return stub ? 0x40000 : 0x10000;
    }

    /**
     * Rewrites one 4 KiB sector's start as ESP-IDF writes an otadata entry: the sector is erased, then
     * {@code bytes} (at most 1 KiB) programmed at its start, the rest of the block left erased (0xFF).
     */
    void writeSectorStart(long sector, byte[] bytes) {
        byte[] block = new byte[ROM_WRITE_SIZE];
        Arrays.fill(block, (byte) 0xFF);
        System.arraycopy(bytes, 0, block, 0, bytes.length);
        client.command(begin(LoaderOpcode.FLASH_BEGIN, block.length, 1, block.length, sector), 0,
                client.timeouts().erase(0x1000), "enter flash download mode");
        client.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, block), 0, client.timeouts().write(0x1000),
                "write to target flash after seq 0");
        if (stub) {
            client.command(LoaderRequest.of(LoaderOpcode.FLASH_END, 1), "leave flash download mode");
        }
    }

    /** Erases {@code [offset, offset + size)} (4 KiB multiples): ERASE_REGION with the stub, FLASH_BEGIN on a ROM. */
    void eraseRegion(long offset, int size) {
        if (stub) {
            client.command(LoaderRequest.of(LoaderOpcode.ERASE_REGION, (int) offset, size), 0,
                    client.timeouts().erase(size), "erase region");
        } else {
            client.command(begin(LoaderOpcode.FLASH_BEGIN, size, 0, ROM_WRITE_SIZE, offset), 0,
                    client.timeouts().erase(size), "enter flash download mode");
        }
    }

    /** ERASE_FLASH: the whole chip; only the stub has it. */
    void eraseFlash() {
        if (!stub) {
            throw new LoaderException(LoaderException.Reason.STUB_REQUIRED, chip.chip().displayName()
                    + " ROM does not support function erase_flash: give the flasher stub (--stub FILE)");
        }
        client.command(LoaderRequest.of(LoaderOpcode.ERASE_FLASH, new byte[0]), 0, Duration.ofSeconds(120),
                "erase flash");
    }

    /** SPI_FLASH_MD5 of {@code [offset, offset + size)}: 32 hex digits from a ROM, 16 bytes from the stub. */
    byte[] flashMd5(long offset, long size) {
        int length = stub ? 16 : 32;
        LoaderResponse r = client.command(LoaderRequest.of(LoaderOpcode.SPI_FLASH_MD5, (int) offset, (int) size, 0, 0),
                length, client.timeouts().md5(size), "calculate md5sum");
        byte[] payload = r.payload(length);
        if (stub) {
            return payload;
        }
        try {
            return HexFormat.of().parseHex(new String(payload, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new LoaderException(LoaderException.Reason.GARBLED, "the ROM's MD5 is not 32 hex digits: "
                    + HexFormat.of().formatHex(payload), e);
        }
    }

    /** HardReset on a real port, so the chip boots its app; over a socket nothing can reset it. */
    void hardReset(ResetSequence.Sleeper sleeper) {
        SerialLink link = client.link();
        if (link.hasControlLines()) {
            run(ResetSequence.hardReset(link.isUsbJtagSerial()), link, sleeper);
        }
    }

    private LoaderRequest begin(LoaderOpcode opcode, int size, int blocks, int blockSize, long offset) {
        return stub || chip.romBeginWords() == 5
                ? LoaderRequest.of(opcode, size, blocks, blockSize, (int) offset, 0)
                : LoaderRequest.of(opcode, size, blocks, blockSize, (int) offset);
    }

    static byte[] deflate(byte[] plain) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(plain);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 2 + 64);
            byte[] buffer = new byte[16384];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    static byte[] md5(byte[] bytes) {
        return md5().digest(bytes);
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    private static int roundUp(int n, int unit) {
        return (n + unit - 1) / unit * unit;
    }

    @Override
    public void close() {
        client.close();
    }
}
