package dev.flota.flash.loader;

import dev.flota.flash.device.Device;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SerialFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.DataFormatException;

/**
 * The download-mode state machine: one request frame in, its reply frames out, on the device's own flash. ROM
 * personality after reset; the stub's after MEM_END(0, entry). Survives reconnects; {@link #reset()} starts over.
 */
final class LoaderMachine {

    /** What the host's packets go to. */
    interface Wire {
        void send(byte[] packet) throws IOException;

        void flush() throws IOException;

        boolean flashTiming();
    }

    static final int ROM_BAUD = 115200;
    static final int ROM_SYNC_VALUE = 0x20120707;
    static final long ROM_DEFAULT_FLASH_SIZE = 2L * 1024 * 1024;
    static final byte[] OHAI = "OHAI".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SYNC_DATA = syncData();

    private final Device device;
    private final NorFlash flash;
    private final ChipRegisters chip;
    private final byte[] mac;
    private RegisterFile registers;
    private LoaderDevice.Personality personality;
    private long declaredFlashSize;
    private int baud;
    private FlashWrite write;
    private long memRemaining = -1;
    private LoaderErrorCode pending;
    private ReadStream reading;
    private long busyUntil;

    LoaderMachine(Device device, ChipRegisters chip, byte[] mac) {
        this.device = device;
        this.flash = device.flash();
        this.chip = chip;
        this.mac = mac.clone();
        reset();
    }

    synchronized void reset() {
        personality = LoaderDevice.Personality.ROM;
        baud = ROM_BAUD;
        registers = new RegisterFile(chip, device.properties().chipRevision(), mac, flash.size(), baud);
        declaredFlashSize = ROM_DEFAULT_FLASH_SIZE;
        abortWrite();
        memRemaining = -1;
        pending = null;
        reading = null;
        busyUntil = 0;
    }

    synchronized LoaderDevice.Personality personality() {
        return personality;
    }

    synchronized void personality(LoaderDevice.Personality value) {
        personality = value;
    }

    synchronized int baud() {
        return baud;
    }

    boolean powerLost() {
        return flash.isPowerLost();
    }

    /** The host went away: a READ_FLASH in progress has nobody to send to. */
    synchronized void disconnected() {
        reading = null;
    }

    /**
     * Handles one frame.
     *
     * @throws FlashException with {@link FlashError#POWER_LOST} when the power went: the device answers no more
     */
    synchronized void onFrame(byte[] frame, Wire wire) throws IOException {
        if (personality == LoaderDevice.Personality.APP || flash.isPowerLost()) {
            return;
        }
        if (reading != null) {
            if (frame.length == 4) {
                reading.acked(frame, wire);
                if (reading.done()) {
                    reading = null;
                }
                return;
            }
            reading = null;
        }
        LoaderRequest request;
        try {
            request = LoaderRequest.parse(frame);
        } catch (SerialFormatException e) {
            malformed(frame, e, wire);
            return;
        }
        PacedStreams.parkUntil(busyUntil);
        if (stub() && pending != null) {
            LoaderErrorCode error = pending;
            pending = null;
            abortWrite();
            fail(wire, request.opcode(), null, error);
            wire.flush();
            return;
        }
        try {
            dispatch(request, wire);
        } catch (SerialFormatException e) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
        }
        wire.flush();
    }

    private void malformed(byte[] frame, SerialFormatException e, Wire wire) throws IOException {
        if (frame.length < LoaderRequest.HEADER_LENGTH) {
            return;
        }
        int opcode = frame[1] & 0xFF;
        LoaderErrorCode stubCode = e.kind() == SerialFormatException.Kind.BAD_DIRECTION
                ? LoaderErrorCode.INVALID_COMMAND : LoaderErrorCode.BAD_DATA_LEN;
        fail(wire, opcode, LoaderErrorCode.ROM_INVALID_FORMAT, stubCode);
        wire.flush();
    }

    private void dispatch(LoaderRequest request, Wire wire) throws IOException {
        LoaderOpcode opcode = request.loaderOpcode().orElse(null);
        if (opcode == null || (opcode.stubOnly() && !stub())) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_FORMAT, LoaderErrorCode.INVALID_COMMAND);
            return;
        }
        switch (opcode) {
            case SYNC -> sync(request, wire);
            case READ_REG -> {
                requireLength(request, 4);
                ok(wire, request.opcode(), registers.read(request.word(0) & 0xFFFFFFFFL), new byte[0]);
            }
            case WRITE_REG -> writeReg(request, wire);
            case SPI_SET_PARAMS -> {
                requireLength(request, 24);
                declaredFlashSize = request.word(1) & 0xFFFFFFFFL;
                ok(wire, request.opcode());
            }
            case SPI_ATTACH -> {
                requireLength(request, stub() ? 4 : 8);
                ok(wire, request.opcode());
            }
            case CHANGE_BAUDRATE -> {
                requireLength(request, 8);
                ok(wire, request.opcode());
                int requested = request.word(0);
                if (requested > 0) {
                    baud = requested;
                    registers.baud(requested);
                }
            }
            case GET_SECURITY_INFO -> securityInfo(request, wire);
            case FLASH_BEGIN, FLASH_DEFL_BEGIN -> flashBegin(request, wire, opcode == LoaderOpcode.FLASH_DEFL_BEGIN);
            case FLASH_DATA, FLASH_DEFL_DATA -> flashData(request, wire, opcode == LoaderOpcode.FLASH_DEFL_DATA);
            case FLASH_END, FLASH_DEFL_END -> flashEnd(request, wire, opcode == LoaderOpcode.FLASH_DEFL_END);
            case SPI_FLASH_MD5 -> md5(request, wire);
            case READ_FLASH_SLOW -> readFlashSlow(request, wire);
            case MEM_BEGIN -> {
                requireLength(request, 16);
                memRemaining = request.word(0) & 0xFFFFFFFFL;
                ok(wire, request.opcode());
            }
            case MEM_DATA -> memData(request, wire);
            case MEM_END -> memEnd(request, wire);
            case ERASE_FLASH -> erase(request, wire, 0, flash.size());
            case ERASE_REGION -> eraseRegion(request, wire);
            case READ_FLASH -> readFlash(request, wire);
            case RUN_USER_CODE -> bootApp();
        }
    }

    private void sync(LoaderRequest request, Wire wire) throws IOException {
        if (!Arrays.equals(request.data(), SYNC_DATA)) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        for (int i = 0; i < 8; i++) {
            ok(wire, request.opcode(), stub() ? 0 : ROM_SYNC_VALUE, new byte[0]);
        }
    }

    private void writeReg(LoaderRequest request, Wire wire) throws IOException {
        if (request.length() == 0 || request.length() % 16 != 0) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, "WRITE_REG entries are 16 bytes");
        }
        for (int entry = 0; entry < request.length() / 16; entry++) {
            registers.write(request.word(entry * 4) & 0xFFFFFFFFL, request.word(entry * 4 + 1),
                    request.word(entry * 4 + 2));
        }
        ok(wire, request.opcode());
    }

    private void securityInfo(LoaderRequest request, Wire wire) throws IOException {
        requireLength(request, 0);
        var info = chip.openSecurityInfo();
        if (info.isEmpty()) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_FORMAT, LoaderErrorCode.CMD_NOT_IMPLEMENTED);
        } else {
            ok(wire, request.opcode(), 0, info.get().encode());
        }
    }

    private void flashBegin(LoaderRequest request, Wire wire, boolean compressed) throws IOException {
        if (request.length() != 16 && request.length() != 20) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, "FLASH_BEGIN is 16 or 20 bytes");
        }
        abortWrite();
        long size = request.word(0) & 0xFFFFFFFFL;
        int numBlocks = request.word(1);
        int blockSize = request.word(2);
        long offset = request.word(3) & 0xFFFFFFFFL;
        boolean encrypted = request.length() == 20 && request.word(4) != 0;
        if (encrypted) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.CMD_NOT_IMPLEMENTED);
            return;
        }
        if (offset + size > limit() || numBlocks < 0 || blockSize < 0 || (numBlocks > 0 && blockSize == 0)) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        FlashWrite started = new FlashWrite(flash, compressed, stub(), offset, size, numBlocks, blockSize);
        if (stub()) {
            write = started;
            ok(wire, request.opcode());
            return;
        }
        try {
            started.eraseAll();
        } catch (FlashException e) {
            started.close();
            failOnFlash(wire, request.opcode(), e, LoaderErrorCode.ROM_FLASH_WRITE);
            return;
        }
        write = started;
        romWaitBusy(wire);
        ok(wire, request.opcode());
    }

    private void flashData(LoaderRequest request, Wire wire, boolean compressed) throws IOException {
        int op = request.opcode();
        if (write == null || write.compressed() != compressed) {
            fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.NOT_IN_FLASH_MODE);
            return;
        }
        if (request.length() < LoaderRequest.BLOCK_HEADER_LENGTH) {
            fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        byte[] block = request.block();
        int seq = request.word(1);
        if (request.word(0) != block.length) {
            fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.TOO_MUCH_DATA);
            return;
        }
        if (request.blockChecksum() != request.checksum()) {
            fail(wire, op, LoaderErrorCode.ROM_CHECKSUM, LoaderErrorCode.BAD_DATA_CHECKSUM);
            return;
        }
        if (stub()) {
            ok(wire, op);
            wire.flush();
            try {
                if (compressed) {
                    if (!write.inflate(block, write.size())) {
                        pending = LoaderErrorCode.TOO_MUCH_DATA;
                    }
                } else {
                    write.writeSequential(block);
                }
            } catch (DataFormatException e) {
                pending = LoaderErrorCode.INFLATE_ERROR;
            } catch (FlashException e) {
                rethrowPowerLoss(e);
                pending = LoaderErrorCode.FAILED_SPI_OP;
            }
            stubBusy(wire);
            return;
        }
        try {
            if (compressed) {
                if (seq != write.nextSeq()) {
                    fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, null);
                    return;
                }
                if (!write.inflate(block, write.size())) {
                    abortWrite();
                    fail(wire, op, LoaderErrorCode.ROM_FLASH_WRITE, null);
                    return;
                }
            } else {
                if (seq < 0 || seq >= write.numBlocks() || block.length > write.blockSize()
                        || write.blockAddress(seq) + block.length > limit()) {
                    fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, null);
                    return;
                }
                write.writeBlock(seq, block);
            }
        } catch (DataFormatException e) {
            abortWrite();
            fail(wire, op, LoaderErrorCode.ROM_DEFLATE, null);
            return;
        } catch (FlashException e) {
            abortWrite();
            failOnFlash(wire, op, e, LoaderErrorCode.ROM_FLASH_WRITE);
            return;
        }
        romWaitBusy(wire);
        ok(wire, op);
    }

    private void flashEnd(LoaderRequest request, Wire wire, boolean compressed) throws IOException {
        requireLength(request, 4);
        if (!stub()) {
            abortWrite();
            ok(wire, request.opcode());
            wire.flush();
            bootApp();
            return;
        }
        if (write == null || write.compressed() != compressed) {
            abortWrite();
            fail(wire, request.opcode(), null, LoaderErrorCode.NOT_IN_FLASH_MODE);
            return;
        }
        boolean complete = write.complete();
        abortWrite();
        if (complete) {
            ok(wire, request.opcode());
        } else {
            fail(wire, request.opcode(), null, LoaderErrorCode.BAD_DATA_LEN);
        }
    }

    private void md5(LoaderRequest request, Wire wire) throws IOException {
        requireLength(request, 16);
        long address = request.word(0) & 0xFFFFFFFFL;
        long size = request.word(1) & 0xFFFFFFFFL;
        if (address + size > limit()) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.FAILED_SPI_OP);
            return;
        }
        byte[] digest;
        try {
            MessageDigest md5 = md5();
            byte[] chunk = new byte[64 * 1024];
            for (long at = address; at < address + size; at += chunk.length) {
                int n = (int) Math.min(chunk.length, address + size - at);
                flash.read(at, chunk, 0, n);
                md5.update(chunk, 0, n);
            }
            digest = md5.digest();
        } catch (FlashException e) {
            failOnFlash(wire, request.opcode(), e, LoaderErrorCode.ROM_FLASH_READ);
            return;
        }
        romWaitBusy(wire);
        ok(wire, request.opcode(), 0, stub() ? digest
                : HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII));
    }

    private void readFlashSlow(LoaderRequest request, Wire wire) throws IOException {
        if (stub()) {
            fail(wire, request.opcode(), null, LoaderErrorCode.INVALID_COMMAND);
            return;
        }
        requireLength(request, 8);
        long address = request.word(0) & 0xFFFFFFFFL;
        long length = request.word(1) & 0xFFFFFFFFL;
        if (length > 64 || address + length > limit()) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, null);
            return;
        }
        byte[] payload = new byte[64];
        try {
            flash.read(address, payload, 0, (int) length);
        } catch (FlashException e) {
            failOnFlash(wire, request.opcode(), e, LoaderErrorCode.ROM_FLASH_READ);
            return;
        }
        romWaitBusy(wire);
        ok(wire, request.opcode(), 0, payload);
    }

    private void memData(LoaderRequest request, Wire wire) throws IOException {
        int op = request.opcode();
        if (memRemaining < 0) {
            fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.NOT_IN_FLASH_MODE);
            return;
        }
        if (request.length() < LoaderRequest.BLOCK_HEADER_LENGTH
                || request.word(0) != request.length() - LoaderRequest.BLOCK_HEADER_LENGTH) {
            fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        if (request.blockChecksum() != request.checksum()) {
            fail(wire, op, LoaderErrorCode.ROM_CHECKSUM, LoaderErrorCode.BAD_DATA_CHECKSUM);
            return;
        }
        if (request.word(0) > memRemaining) {
            fail(wire, op, LoaderErrorCode.ROM_INVALID_RAM_SIZE, LoaderErrorCode.TOO_MUCH_DATA);
            return;
        }
        memRemaining -= request.word(0);
        ok(wire, op);
    }

    private void memEnd(LoaderRequest request, Wire wire) throws IOException {
        requireLength(request, 8);
        boolean execute = request.word(0) == 0;
        memRemaining = -1;
        ok(wire, request.opcode());
        if (execute) {
            wire.send(OHAI);
            abortWrite();
            pending = null;
            personality = LoaderDevice.Personality.STUB;
        }
    }

    private void eraseRegion(LoaderRequest request, Wire wire) throws IOException {
        requireLength(request, 8);
        long offset = request.word(0) & 0xFFFFFFFFL;
        long size = request.word(1) & 0xFFFFFFFFL;
        if (offset % NorFlash.SECTOR_SIZE != 0 || size % NorFlash.SECTOR_SIZE != 0) {
            fail(wire, request.opcode(), null, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        erase(request, wire, offset, size);
    }

    private void erase(LoaderRequest request, Wire wire, long offset, long size) throws IOException {
        if (offset + size > flash.size()) {
            fail(wire, request.opcode(), null, LoaderErrorCode.FAILED_SPI_OP);
            return;
        }
        try {
            flash.eraseRange(offset, size);
        } catch (FlashException e) {
            failOnFlash(wire, request.opcode(), e, null);
            return;
        }
        romWaitBusy(wire);
        ok(wire, request.opcode());
    }

    private void readFlash(LoaderRequest request, Wire wire) throws IOException {
        requireLength(request, 16);
        long offset = request.word(0) & 0xFFFFFFFFL;
        long length = request.word(1) & 0xFFFFFFFFL;
        int packetSize = request.word(2);
        if (packetSize <= 0 || packetSize > 0x1000) {
            fail(wire, request.opcode(), null, LoaderErrorCode.BAD_BLOCKSIZE);
            return;
        }
        if (offset + length > flash.size()) {
            fail(wire, request.opcode(), null, LoaderErrorCode.FAILED_SPI_OP);
            return;
        }
        ok(wire, request.opcode());
        reading = new ReadStream(offset, length, packetSize);
        reading.start(wire);
        if (reading.done()) {
            reading = null;
        }
    }

    /** Leaves download mode: the chip runs its app (the simulated bootloader picks it) and stops answering. */
    void bootApp() {
        abortWrite();
        personality = LoaderDevice.Personality.APP;
        device.reboot();
    }

    private boolean stub() {
        return personality == LoaderDevice.Personality.STUB;
    }

    /** The ROM knows only what SPI_SET_PARAMS told it (2 MB by default); the stub probes the chip. */
    private long limit() {
        return stub() ? flash.size() : Math.min(declaredFlashSize, flash.size());
    }

    private void abortWrite() {
        if (write != null) {
            write.close();
            write = null;
        }
    }

    private void romWaitBusy(Wire wire) {
        if (wire.flashTiming()) {
            PacedStreams.parkUntil(System.nanoTime() + flash.drainBusyTime().toNanos());
        }
    }

    private void stubBusy(Wire wire) {
        if (wire.flashTiming()) {
            busyUntil = System.nanoTime() + flash.drainBusyTime().toNanos();
        }
    }

    private static void requireLength(LoaderRequest request, int length) {
        if (request.length() != length) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, String.format(
                    "command 0x%02x takes %d data bytes, got %d", request.opcode(), length, request.length()));
        }
    }

    private void ok(Wire wire, int opcode) throws IOException {
        ok(wire, opcode, 0, new byte[0]);
    }

    private void ok(Wire wire, int opcode, int value, byte[] payload) throws IOException {
        wire.send((stub() ? LoaderResponse.stubOk(opcode, value, payload)
                : LoaderResponse.romOk(opcode, value, payload)).encode());
    }

    /** A failure reply in the current dialect; {@code rom} null where the ROM has no such command. */
    private void fail(Wire wire, int opcode, LoaderErrorCode rom, LoaderErrorCode stub) throws IOException {
        LoaderErrorCode code = stub() ? stub : rom;
        if (code == null) {
            code = stub() ? LoaderErrorCode.INVALID_COMMAND : LoaderErrorCode.ROM_INVALID_FORMAT;
        }
        wire.send((stub() ? LoaderResponse.stubError(opcode, code) : LoaderResponse.romError(opcode, code)).encode());
    }

    private void failOnFlash(Wire wire, int opcode, FlashException e, LoaderErrorCode rom) throws IOException {
        rethrowPowerLoss(e);
        fail(wire, opcode, rom, LoaderErrorCode.FAILED_SPI_OP);
    }

    private static void rethrowPowerLoss(FlashException e) {
        if (e.error() == FlashError.POWER_LOST) {
            throw e;
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] syncData() {
        byte[] data = new byte[36];
        data[0] = 0x07;
        data[1] = 0x07;
        data[2] = 0x12;
        data[3] = 0x20;
        Arrays.fill(data, 4, 36, (byte) 0x55);
        return data;
    }

    /**
     * A stub READ_FLASH after its reply: packets of {@code packet_size} raw bytes, each sent once the host acked all
     * before it (stub v1.0.0 keeps one in flight, whatever max_in_flight says), then the raw MD5 of it all.
     */
    private final class ReadStream {
        private final long offset;
        private final long length;
        private final int packetSize;
        private final MessageDigest md5 = md5();
        private long sent;
        private boolean done;

        ReadStream(long offset, long length, int packetSize) {
            this.offset = offset;
            this.length = length;
            this.packetSize = packetSize;
        }

        void start(Wire wire) throws IOException {
            next(wire);
        }

        void acked(byte[] frame, Wire wire) throws IOException {
            long total = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
            if (total >= sent) {
                next(wire);
            }
        }

        boolean done() {
            return done;
        }

        private void next(Wire wire) throws IOException {
            if (sent >= length) {
                wire.send(md5.digest());
                wire.flush();
                done = true;
                return;
            }
            int n = (int) Math.min(packetSize, length - sent);
            byte[] packet;
            try {
                packet = flash.read(offset + sent, n);
            } catch (FlashException e) {
                rethrowPowerLoss(e);
                done = true;
                return;
            }
            romWaitBusy(wire);
            md5.update(packet);
            sent += n;
            wire.send(packet);
            wire.flush();
        }
    }
}
