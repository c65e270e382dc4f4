package dev.flota.ota.serial.link;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;
import java.io.IOException;
import java.time.Duration;

/**
 * A serial device through jSerialComm: 8N1, no flow control, semi-blocking reads (wait for the first byte up to the
 * timeout, then return what is there). DTR and RTS are asserted by {@code setDTR}/{@code setRTS}; a port that cannot
 * set them (a pseudo-terminal) ignores the request, as pyserial's warning-only path does.
 */
final class JSerialCommLink implements SerialLink {

    private static final int WRITE_TIMEOUT_MILLIS = 10_000;

    private final SerialPort port;
    private final String description;
    private int readTimeoutMillis = -1;
    private boolean dtr;

    private JSerialCommLink(SerialPort port, String description) {
        this.port = port;
        this.description = description;
    }

    static JSerialCommLink open(String name, int baud) throws IOException {
        SerialPort port;
        try {
            port = SerialPort.getCommPort(name);
        } catch (SerialPortInvalidPortException e) {
            throw new IOException("no serial port " + name + ": " + e.getMessage(), e);
        }
        port.setComPortParameters(baud, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        if (!port.openPort()) {
            throw new IOException("cannot open serial port " + name + " (error " + port.getLastErrorCode() + ")");
        }
        return new JSerialCommLink(port, name);
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (millis != readTimeoutMillis) {
            port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, millis,
                    WRITE_TIMEOUT_MILLIS);
            readTimeoutMillis = millis;
        }
        int n = port.readBytes(buffer, length, offset);
        if (n < 0) {
            throw new IOException(description + " failed or was disconnected (error " + port.getLastErrorCode()
                    + ")");
        }
        return n;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        int done = 0;
        while (done < bytes.length) {
            int n = port.writeBytes(bytes, bytes.length - done, done);
            if (n <= 0) {
                throw new IOException("cannot write to " + description + " (error " + port.getLastErrorCode() + ")");
            }
            done += n;
        }
    }

    @Override
    public void discardInput() {
        int available;
        byte[] scratch = new byte[4096];
        while ((available = port.bytesAvailable()) > 0) {
            if (port.readBytes(scratch, Math.min(available, scratch.length)) <= 0) {
                return;
            }
        }
    }

    @Override
    public boolean hasControlLines() {
        return true;
    }

    @Override
    public void dtr(boolean asserted) {
        dtr = asserted;
        if (asserted) {
            port.setDTR();
        } else {
            port.clearDTR();
        }
    }

    @Override
    public void rts(boolean asserted) {
        if (asserted) {
            port.setRTS();
        } else {
            port.clearRTS();
        }
        // usbser.sys applies RTS only together with DTR; esptool re-sends DTR after every RTS change.
        dtr(dtr);
    }

    @Override
    public boolean isUsbJtagSerial() {
        return port.getVendorID() == 0x303A && port.getProductID() == 0x1001;
    }

    @Override
    public void baudRate(int baud) throws IOException {
        if (!port.setBaudRate(baud)) {
            throw new IOException("cannot set " + description + " to " + baud + " baud");
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        port.closePort();
    }
}
