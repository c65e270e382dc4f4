package dev.flota.ota.serial;

import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SerialFormatException;
import dev.flota.flash.serial.Slip;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.flash.serial.SpiRegisters;
import dev.flota.ota.serial.link.SerialLink;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Request and response over a {@link SerialLink}, as esptool reads them: SLIP frames, the reply matched by opcode
 * among at most 100 frames, the ROM's {@code xx 05} "unsupported command" pattern, the status read right after the
 * payload the command has (ROM 4-byte and stub 2-byte statuses alike), failures as {@link LoaderException}s with
 * esptool's texts. Bytes outside frames are tolerated until the first SYNC reply (a boot banner), corruption after.
 */
final class LoaderClient implements AutoCloseable {

    private static final int MAX_FOREIGN_FRAMES = 100;
    private static final int SPI_POLLS = 10;

    private final SerialLink link;
    private final LoaderTimeouts timeouts;
    private final SlipDecoder decoder = new SlipDecoder();
    private final Deque<byte[]> frames = new ArrayDeque<>();
    private final byte[] buffer = new byte[8192];
    private long toleratedNoise = -1;

    LoaderClient(SerialLink link, LoaderTimeouts timeouts) {
        this.link = link;
        this.timeouts = timeouts;
    }

    SerialLink link() {
        return link;
    }

    LoaderTimeouts timeouts() {
        return timeouts;
    }

    /**
     * Sends {@code request} and returns the reply with status ok, reading the status after {@code payloadLength}
     * bytes.
     *
     * @param what for messages: "Failed to {@code what}"
     */
    LoaderResponse command(LoaderRequest request, int payloadLength, Duration timeout, String what) {
        send(request);
        LoaderResponse response = receive(request.opcode(), timeout, what);
        checkStatus(response, payloadLength, what);
        return response;
    }

    LoaderResponse command(LoaderRequest request, String what) {
        return command(request, 0, timeouts.command(), what);
    }

    /** Reads the next reply to {@code opcode} and checks its status (no payload): a pipelined request's ack. */
    void awaitOk(int opcode, Duration timeout, String what) {
        checkStatus(receive(opcode, timeout, what), 0, what);
    }

    void send(LoaderRequest request) {
        writeRaw(request.encode());
    }

    /** Writes one SLIP frame of {@code packet} (READ_FLASH acks). */
    void writeRaw(byte[] packet) {
        try {
            link.write(Slip.encode(packet));
        } catch (IOException e) {
            throw linkFailure(e);
        }
    }

    /** The reply to {@code opcode}, skipping foreign frames; status not checked. */
    LoaderResponse receive(int opcode, Duration timeout, String what) {
        for (int i = 0; i < MAX_FOREIGN_FRAMES; i++) {
            byte[] frame = readFrame(timeout, what);
            if (frame.length < LoaderResponse.HEADER_LENGTH || frame[0] != 1) {
                continue;
            }
            LoaderResponse response = LoaderResponse.parse(frame);
            if (response.opcode() == opcode) {
                return response;
            }
            if (response.unsupportedCommand()) {
                throw new LoaderException(LoaderException.Reason.UNSUPPORTED, String.format(
                        "Invalid (unsupported) command 0x%02x (%s)", opcode, what));
            }
        }
        throw new LoaderException(LoaderException.Reason.GARBLED, "Failed to " + what + ": no reply to command 0x"
                + Integer.toHexString(opcode) + " among " + MAX_FOREIGN_FRAMES + " frames");
    }

    private static void checkStatus(LoaderResponse response, int payloadLength, String what) {
        byte[] data = response.data();
        if (data.length < payloadLength + 2) {
            String message = data.length > 0 && data[0] != 0
                    ? String.format("Failed to %s (result was %s)", what, LoaderErrorCode.describe(
                            (data[0] & 0xFF) << 8 | (data.length > 1 ? data[1] & 0xFF : 0)))
                    : String.format("Failed to %s. Only got %d byte status response.", what, Math.max(0,
                            data.length - payloadLength));
            throw new LoaderException(data.length > 1 && data[0] != 0 && data[1] == 5
                    ? LoaderException.Reason.UNSUPPORTED : LoaderException.Reason.FAILED, message);
        }
        int status = response.statusCode(payloadLength);
        if (status != 0) {
            LoaderException.Reason reason = status == LoaderErrorCode.ROM_INVALID_FORMAT.code()
                    || status == LoaderErrorCode.INVALID_COMMAND.code()
                    || status == LoaderErrorCode.CMD_NOT_IMPLEMENTED.code() ? LoaderException.Reason.UNSUPPORTED
                    : LoaderException.Reason.FAILED;
            throw new LoaderException(reason, String.format("Failed to %s (result was %s)", what,
                    LoaderErrorCode.describe(status)));
        }
    }

    /** The next SLIP frame, waiting at most {@code timeout}. */
    byte[] readFrame(Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (frames.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new LoaderException(LoaderException.Reason.TIMEOUT, String.format(
                        "Failed to %s: timed out waiting for packet %s (%d ms)", what,
                        decoder.inFrame() ? "content" : "header", timeout.toMillis()));
            }
            int n;
            try {
                n = link.read(buffer, 0, buffer.length, Duration.ofNanos(left));
            } catch (IOException e) {
                throw linkFailure(e);
            }
            if (n == 0) {
                continue;
            }
            try {
                frames.addAll(decoder.feed(buffer, 0, n));
            } catch (SerialFormatException e) {
                throw new LoaderException(LoaderException.Reason.GARBLED, "Failed to " + what + ": "
                        + e.getMessage() + " (possible serial noise or corruption)", e);
            }
            if (toleratedNoise >= 0 && decoder.discardedBytes() > toleratedNoise) {
                throw new LoaderException(LoaderException.Reason.GARBLED, "Failed to " + what + ": "
                        + (decoder.discardedBytes() - toleratedNoise)
                        + " bytes outside any frame: Possible serial noise or corruption.");
            }
        }
        return frames.removeFirst();
    }

    /** Drops what arrived and was not read: before a SYNC, after a reset or a baud change. */
    void discardInput() {
        frames.clear();
        try {
            link.discardInput();
        } catch (IOException e) {
            throw linkFailure(e);
        }
    }

    /** Reads and drops frames until none arrives for {@code quiet}: the rest of a ROM's repeated error replies. */
    void drain(Duration quiet) {
        frames.clear();
        while (true) {
            try {
                readFrame(quiet, "drain");
            } catch (LoaderException e) {
                if (e.reason() == LoaderException.Reason.TIMEOUT) {
                    return;
                }
                throw e;
            }
        }
    }

    /**
     * What arrived and was not read, as text, without waiting for more (at most 4 KiB): the ROM's boot banner after a
     * reset. Consumed, not framed.
     */
    String readAvailableText() {
        StringBuilder text = new StringBuilder();
        try {
            int n;
            while (text.length() < 4096 && (n = link.read(buffer, 0, buffer.length, Duration.ofMillis(1))) > 0) {
                text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw linkFailure(e);
        }
        return text.toString();
    }

    /** From now on, bytes outside frames are an error: the chip is synced and sends nothing but frames. */
    void strict() {
        toleratedNoise = decoder.discardedBytes();
    }

    /**
     * One SYNC: the request, then the 8 replies the ROM (and stub) send.
     *
     * @return whether all 8 reply values were 0: the stub is already running
     */
    boolean sync() {
        send(LoaderRequest.sync());
        boolean allZero = true;
        for (int i = 0; i < 8; i++) {
            LoaderResponse reply = receive(LoaderOpcode.SYNC.code(), timeouts.sync(), "connect");
            allZero &= reply.value() == 0;
        }
        return allZero;
    }

    int readReg(long address) {
        return command(LoaderRequest.of(LoaderOpcode.READ_REG, (int) address), "read register "
                + String.format("0x%08x", address)).value();
    }

    void writeReg(long address, int value) {
        command(LoaderRequest.of(LoaderOpcode.WRITE_REG, (int) address, value, 0xFFFFFFFF, 0),
                String.format("write register 0x%08x", address));
    }

    /**
     * esptool's {@code run_spiflash_command} for a command without address or data out: sets the SPI user registers,
     * starts it, polls until done and returns {@code W0}, then restores the user registers.
     */
    int spiCommand(SpiRegisters spi, int opcode, int misoBits) {
        return spiCommand(spi, opcode, 0, 0, new byte[0], misoBits);
    }

    /**
     * As {@link #spiCommand(SpiRegisters, int, int)}, with {@code addressBits} of {@code address} (USR1, ADDR) and
     * {@code mosi} sent after it (MOSI_DLEN, W0..): esptool's {@code run_spiflash_command} with data, at most 64 bytes.
     */
    int spiCommand(SpiRegisters spi, int opcode, int address, int addressBits, byte[] mosi, int misoBits) {
        if (mosi.length > 4 * SpiRegisters.DATA_WORDS) {
            throw new IllegalArgumentException("at most 64 MOSI bytes, got " + mosi.length);
        }
        int oldUsr = readReg(spi.usrRegister());
        int oldUsr2 = readReg(spi.usr2Register());
        if (mosi.length > 0) {
            writeReg(spi.mosiDlenRegister(), mosi.length * 8 - 1);
        }
        if (misoBits > 0) {
            writeReg(spi.misoDlenRegister(), misoBits - 1);
        }
        if (addressBits > 0) {
            writeReg(spi.usr1Register(), (addressBits - 1) << 26);
        }
        writeReg(spi.usrRegister(), SpiRegisters.USR_COMMAND | (misoBits > 0 ? SpiRegisters.USR_MISO : 0)
                | (mosi.length > 0 ? SpiRegisters.USR_MOSI : 0) | (addressBits > 0 ? SpiRegisters.USR_ADDR : 0));
        writeReg(spi.usr2Register(), 7 << 28 | opcode);
        if (addressBits > 0) {
            writeReg(spi.addrRegister(), spi.addressValue(address, addressBits));
        }
        if (mosi.length == 0) {
            writeReg(spi.dataRegister(0), 0);
        }
        for (int word = 0; word * 4 < mosi.length; word++) {
            int value = 0;
            for (int i = 0; i < 4 && word * 4 + i < mosi.length; i++) {
                value |= (mosi[word * 4 + i] & 0xFF) << (8 * i);
            }
            writeReg(spi.dataRegister(word), value);
        }
        writeReg(spi.cmdRegister(), SpiRegisters.USR_START);
        boolean done = false;
        for (int i = 0; i < SPI_POLLS && !done; i++) {
            done = (readReg(spi.cmdRegister()) & SpiRegisters.USR_START) == 0;
        }
        if (!done) {
            throw new LoaderException(LoaderException.Reason.FAILED, "SPI command did not complete in time");
        }
        int result = readReg(spi.dataRegister(0));
        writeReg(spi.usrRegister(), oldUsr);
        writeReg(spi.usr2Register(), oldUsr2);
        return result;
    }

    static LoaderException linkFailure(IOException e) {
        if (e instanceof InterruptedIOException) {
            Thread.currentThread().interrupt();
        }
        String message = e instanceof EOFException ? "the serial link closed: " + e.getMessage()
                : "the serial link failed: " + e.getMessage();
        return new LoaderException(LoaderException.Reason.LINK_CLOSED, message, e);
    }

    @Override
    public void close() {
        try {
            link.close();
        } catch (IOException e) {
            // closing a broken link: nothing left to do
        }
    }
}
