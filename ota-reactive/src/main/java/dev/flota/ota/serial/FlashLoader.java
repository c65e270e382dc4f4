package dev.flota.ota.serial;

import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SpiRegisters;
import dev.flota.ota.serial.link.ResetSequence;
import dev.flota.ota.serial.link.SerialLink;
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
import java.util.function.BooleanSupplier;
import java.util.zip.Deflater;

/**
 * A chip in download mode, connected ({@link LoaderConnect}): read, write compressed, erase, MD5 and reset, as esptool
 * does, in the ROM dialect or, once a stub runs, the stub's (§7.2 of the loader reference).
 */
final class FlashLoader implements AutoCloseable {

    static final int ROM_BAUD = 115200;
    static final int ROM_WRITE_SIZE = 0x400;
    static final int STUB_WRITE_SIZE = 0x4000;
    private static final int READ_SLOW_LENGTH = 64;
    private static final int READ_PACKET = 0x1000;
    private static final int READ_IN_FLIGHT = 64;
    private static final int SECTOR = 0x1000;
    private static final int PAGE = 0x100;
    private static final int SPI_PROGRAM_MAX = 64;
    private static final int WREN = 0x06;
    private static final int RDSR = 0x05;
    private static final int PAGE_PROGRAM = 0x02;
    private static final int STATUS_WIP = 1;
    private static final int STATUS_WEL = 2;
    private static final int IDLE_POLLS = 1000;

    private final LoaderClient client;
    private final ChipRegisters chip;
    private final boolean stub;
    private final int revision;
    private final byte[] mac;
    private final long flashSize;
    private final ChipSecurity security;

    FlashLoader(LoaderClient client, ChipRegisters chip, boolean stub, int revision, byte[] mac, long flashSize,
            ChipSecurity security) {
        this.client = client;
        this.chip = chip;
        this.stub = stub;
        this.revision = revision;
        this.mac = mac;
        this.flashSize = flashSize;
        this.security = security;
    }

    /** Runs a line sequence, its failures as {@link LoaderException}s. */
    static void run(ResetSequence sequence, SerialLink link, ResetSequence.Sleeper sleeper) {
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

    ChipSecurity security() {
        return security;
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
        writeCompressed(offset, plain.length, deflate(plain), stop);
    }

    /** As {@link #writeDeflated}, for {@code compressed}: zlib level 9 of {@code plainLength} bytes. */
    void writeCompressed(long offset, int plainLength, byte[] compressed, BooleanSupplier stop) {
        int blockSize = stub ? STUB_WRITE_SIZE : ROM_WRITE_SIZE;
        int window = stub ? 2 : 1;
        int blocks = (compressed.length + blockSize - 1) / blockSize;
        int size = stub ? plainLength : roundUp(plainLength, ROM_WRITE_SIZE);
        client.command(begin(LoaderOpcode.FLASH_DEFL_BEGIN, size, blocks, blockSize, offset), 0,
                stub ? client.timeouts().command() : client.timeouts().erase(size), "enter compressed flash mode");
        Duration perBlock = client.timeouts().write(Math.max(1, plainLength / Math.max(1, blocks)) * 4L);
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

    /**
     * Copies {@code size} bytes of flash from {@code from} to {@code to} (both 4 KiB aligned) through the host, a
     * segment at a time, then checks SPI_FLASH_MD5 of both regions: {@code esp_partition_copy} over the loader.
     */
    void copy(long from, long to, long size, BooleanSupplier stop) {
        int chunk = segmentSize();
        for (long offset = 0; offset < size; offset += chunk) {
            int n = (int) Math.min(chunk, size - offset);
            writeDeflated(to + offset, readFlash(from + offset, n), stop);
        }
        if (!Arrays.equals(flashMd5(from, size), flashMd5(to, size))) {
            throw new LoaderException(LoaderException.Reason.MD5_MISMATCH, String.format(
                    "the copy of 0x%x bytes from 0x%x to 0x%x does not read back as its source", size, from, to));
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

    /**
     * Programs {@code bytes} at {@code address} without erasing anything, as {@code esp_flash_write} does: NOR
     * programming only clears bits. On the ROM: its FLASH_BEGIN erases {@code erase_size} bytes and its FLASH_DATA
     * writes each block at {@code offset + seq * block_size}, two independent numbers, so a FLASH_BEGIN with erase
     * size 0 at the sector start and blocks placed by their sequence number write in place. The block size is the
     * largest power of two (at most 1 KiB) that puts a block boundary on {@code address}; a 32-byte NVS entry is one
     * FLASH_BEGIN and one FLASH_DATA. The stub erases every sector its FLASH_DATA reaches, so with it the flash
     * commands go through the SPI user-command registers instead, as {@code spi_flash} sends them: write enable
     * (0x06, checked in RDSR), page program (0x02, at most 64 bytes, never across a 256-byte page), RDSR (0x05) until
     * the write is no longer in progress.
     */
    void programInPlace(long address, byte[] bytes) {
        if (stub) {
            programThroughSpi(address, bytes);
            return;
        }
        long sector = address / SECTOR * SECTOR;
        int within = (int) (address - sector);
        int blockSize = within == 0 ? ROM_WRITE_SIZE : Math.min(ROM_WRITE_SIZE, Integer.lowestOneBit(within));
        int first = within / blockSize;
        int blocks = (bytes.length + blockSize - 1) / blockSize;
        client.command(begin(LoaderOpcode.FLASH_BEGIN, 0, first + blocks, blockSize, sector), 0,
                client.timeouts().command(), "enter flash download mode");
        for (int i = 0; i < blocks; i++) {
            byte[] block = Arrays.copyOfRange(bytes, i * blockSize, Math.min(bytes.length, (i + 1) * blockSize));
            client.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, first + i, block), 0,
                    client.timeouts().write(block.length), "write to target flash after seq " + (first + i));
        }
    }

    private void programThroughSpi(long address, byte[] bytes) {
        SpiRegisters spi = chip.spi();
        for (int done = 0; done < bytes.length; ) {
            long at = address + done;
            int n = (int) Math.min(Math.min(SPI_PROGRAM_MAX, bytes.length - done), PAGE - at % PAGE);
            client.spiCommand(spi, WREN, 0);
            if ((client.spiCommand(spi, RDSR, 8) & STATUS_WEL) == 0) {
                throw new LoaderException(LoaderException.Reason.FAILED, String.format(
                        "the flash did not latch write enable before a page program at 0x%x", at));
            }
            client.spiCommand(spi, PAGE_PROGRAM, (int) at, 24, Arrays.copyOfRange(bytes, done, done + n), 0);
            awaitFlashIdle(spi, at);
            done += n;
        }
    }

    private void awaitFlashIdle(SpiRegisters spi, long at) {
        for (int i = 0; i < IDLE_POLLS; i++) {
            if ((client.spiCommand(spi, RDSR, 8) & STATUS_WIP) == 0) {
                return;
            }
        }
        throw new LoaderException(LoaderException.Reason.TIMEOUT, String.format(
                "the flash stayed busy after a page program at 0x%x (RDSR polled %d times)", at, IDLE_POLLS));
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
