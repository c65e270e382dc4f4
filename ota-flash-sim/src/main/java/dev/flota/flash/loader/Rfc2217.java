package dev.flota.flash.loader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * RFC 2217 (telnet COM-PORT-OPTION) on the device's side of a TCP connection, for {@code esptool --port
 * rfc2217://HOST:PORT}. Telnet commands are answered and stripped from the data, {@code FF} is doubled both ways,
 * every COM-PORT subcommand is acknowledged with its value (subcommand + 100) so pyserial's open and its waits for
 * SET-CONTROL succeed, and DTR/RTS changes drive reset as {@code esp_rfc2217_server} does: DTR on (after DTR off)
 * resets the chip into download mode, RTS off while DTR is off resets it into its app; both print the ROM's boot
 * banner, which esptool reads to tell the boot mode. The emulated link rate does not follow SET-BAUDRATE.
 */
final class Rfc2217 {

    static final int IAC = 0xFF;
    static final int SE = 0xF0;
    static final int SB = 0xFA;
    static final int WILL = 0xFB;
    static final int WONT = 0xFC;
    static final int DO = 0xFD;
    static final int DONT = 0xFE;
    static final int BINARY = 0;
    static final int ECHO = 1;
    static final int SGA = 3;
    static final int COM_PORT_OPTION = 44;
    static final int SET_CONTROL = 5;
    static final int SERVER_OFFSET = 100;
    static final int DTR_ON = 8;
    static final int DTR_OFF = 9;
    static final int RTS_ON = 11;
    static final int RTS_OFF = 12;

    static final String DOWNLOAD_BANNER = "\r\nrst:0x1 (POWERON_RESET),boot:0x3 "
            + "(DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
    static final String APP_BANNER = "\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n";

    private final InputStream rawIn;
    private final Output out;
    private final LoaderDevice device;
    private boolean downloadFlag;
    private boolean pendingIac;

    Rfc2217(InputStream rawIn, OutputStream rawOut, LoaderDevice device) {
        this.rawIn = rawIn;
        this.out = new Output(rawOut);
        this.device = device;
    }

    /** The data bytes the host sent, telnet stripped. */
    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] into, int off, int len) throws IOException {
                return Rfc2217.this.read(into, off, len);
            }
        };
    }

    /** Where the device's data goes: {@code FF} doubled. */
    OutputStream output() {
        return out;
    }

    /**
     * Data bytes up to the next telnet command: a command is handled only once the device has taken every byte
     * before it, so a reset acts after the frames the host sent ahead of it, in stream order.
     */
    private int read(byte[] into, int off, int len) throws IOException {
        int n = 0;
        while (n < len && (n == 0 || pendingIac || rawIn.available() > 0)) {
            int b = pendingIac ? IAC : rawIn.read();
            if (b < 0) {
                return n > 0 ? n : -1;
            }
            if (b == IAC && n > 0) {
                pendingIac = true;
                return n;
            }
            pendingIac = false;
            int data = b == IAC ? command() : b;
            if (data >= 0) {
                into[off + n++] = (byte) data;
            }
        }
        return n;
    }

    /** After an IAC: the data byte it stands for (IAC IAC), or -1 for a command, handled here. */
    private int command() throws IOException {
        int command = next();
        switch (command) {
            case IAC -> {
                return IAC;
            }
            case WILL -> {
                int option = next();
                out.command(IAC, accepted(option) ? DO : DONT, option);
            }
            case DO -> {
                int option = next();
                out.command(IAC, accepted(option) ? WILL : WONT, option);
            }
            case WONT, DONT -> next();
            case SB -> subnegotiation();
            default -> {
                // NOP, GA and the other one-byte commands carry nothing for a serial line
            }
        }
        return -1;
    }

    private static boolean accepted(int option) {
        return option == BINARY || option == SGA || option == COM_PORT_OPTION;
    }

    private void subnegotiation() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int b = next();
            if (b == IAC) {
                int after = next();
                if (after == SE) {
                    break;
                }
                body.write(after);
            } else {
                body.write(b);
            }
        }
        byte[] bytes = body.toByteArray();
        if (bytes.length < 2 || (bytes[0] & 0xFF) != COM_PORT_OPTION) {
            return;
        }
        int subcommand = bytes[1] & 0xFF;
        if (subcommand == SET_CONTROL && bytes.length > 2) {
            control(bytes[2] & 0xFF);
        }
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.write(IAC);
        reply.write(SB);
        reply.write(COM_PORT_OPTION);
        reply.write(subcommand + SERVER_OFFSET);
        for (int i = 2; i < bytes.length; i++) {
            reply.write(bytes[i]);
            if ((bytes[i] & 0xFF) == IAC) {
                reply.write(IAC);
            }
        }
        reply.write(IAC);
        reply.write(SE);
        out.command(reply.toByteArray());
    }

    private void control(int value) throws IOException {
        switch (value) {
            case DTR_OFF -> downloadFlag = false;
            case DTR_ON -> {
                if (!downloadFlag) {
                    downloadFlag = true;
                    device.reset();
                    out.banner(DOWNLOAD_BANNER);
                }
            }
            case RTS_OFF -> {
                if (!downloadFlag) {
                    device.reset();
                    device.bootApp();
                    out.banner(APP_BANNER);
                }
            }
            default -> {
                // RTS on, flow control: nothing happens on the chip
            }
        }
    }

    private int next() throws IOException {
        int b = rawIn.read();
        if (b < 0) {
            throw new java.io.EOFException("connection closed inside a telnet command");
        }
        return b;
    }

    /** The socket's output, shared by data (escaped) and telnet replies (raw). */
    private static final class Output extends OutputStream {
        private final OutputStream raw;

        Output(OutputStream raw) {
            this.raw = raw;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            raw.write(b);
            if ((b & 0xFF) == IAC) {
                raw.write(IAC);
            }
        }

        @Override
        public synchronized void write(byte[] from, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if ((from[i] & 0xFF) == IAC) {
                    raw.write(from, start, i + 1 - start);
                    raw.write(IAC);
                    start = i + 1;
                }
            }
            raw.write(from, start, off + len - start);
        }

        @Override
        public synchronized void flush() throws IOException {
            raw.flush();
        }

        synchronized void command(int... bytes) throws IOException {
            for (int b : bytes) {
                raw.write(b);
            }
            raw.flush();
        }

        synchronized void command(byte[] bytes) throws IOException {
            raw.write(bytes);
            raw.flush();
        }

        synchronized void banner(String text) throws IOException {
            write(text.getBytes(StandardCharsets.US_ASCII));
            raw.flush();
        }
    }
}
