package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SerialFormatException;
import dev.flota.flash.serial.Slip;
import dev.flota.flash.serial.SlipDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test host speaking raw frames to a device: what it sends is built from the serial types, what it reads decoded. */
final class RawHost implements AutoCloseable {

    static final byte[] END_OF_STREAM = new byte[0];
    static final byte[] SYNC = syncData();

    private final OutputStream out;
    private final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
    private final AutoCloseable resource;

    RawHost(InputStream in, OutputStream out, AutoCloseable resource) {
        this.out = out;
        this.resource = resource;
        Thread reader = new Thread(() -> {
            SlipDecoder decoder = new SlipDecoder();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    try {
                        frames.addAll(decoder.feed(buffer, 0, n));
                    } catch (SerialFormatException e) {
                        frames.addAll(e.completedFrames());
                    }
                }
            } catch (IOException ignored) {
                // ends like end of stream
            }
            frames.add(END_OF_STREAM);
        }, "raw-host-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static RawHost over(LoaderConnection link) {
        return new RawHost(link.input(), link.output(), link);
    }

    void sendRaw(byte[] wireBytes) {
        try {
            out.write(wireBytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(LoaderRequest request) {
        sendRaw(request.frame());
    }

    /** The next frame, failing the test after 10 s without one. */
    byte[] frame() {
        try {
            byte[] frame = frames.poll(10, TimeUnit.SECONDS);
            assertThat(frame).as("a frame from the device").isNotNull();
            assertThat(frame).as("a frame, not the end of the connection").isNotSameAs(END_OF_STREAM);
            return frame;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True when the device closed the link (waits up to 10 s). */
    boolean endsConnection() {
        try {
            for (byte[] frame; (frame = frames.poll(10, TimeUnit.SECONDS)) != null; ) {
                if (frame == END_OF_STREAM) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    LoaderResponse response() {
        return LoaderResponse.parse(frame());
    }

    LoaderResponse command(LoaderRequest request) {
        send(request);
        LoaderResponse response = response();
        assertThat(response.opcode()).isEqualTo(request.opcode());
        return response;
    }

    LoaderResponse command(LoaderOpcode opcode, int... words) {
        return command(LoaderRequest.of(opcode, words));
    }

    /** Sends SYNC and returns the value of the 8 replies (all equal). */
    int sync() {
        send(LoaderRequest.of(LoaderOpcode.SYNC, SYNC));
        int value = response().value();
        for (int i = 1; i < 8; i++) {
            LoaderResponse next = response();
            assertThat(next.opcode()).isEqualTo(0x08);
            assertThat(next.value()).isEqualTo(value);
        }
        return value;
    }

    int readReg(long address) {
        LoaderResponse response = command(LoaderOpcode.READ_REG, (int) address);
        assertThat(response.statusCode(0)).isZero();
        return response.value();
    }

    void writeReg(long address, int value) {
        assertThat(command(LoaderOpcode.WRITE_REG, (int) address, value, 0xFFFFFFFF, 0).statusCode(0)).isZero();
    }

    void ackTotal(long total) {
        sendRaw(Slip.encode(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) total).array()));
    }

    /** Uploads a fake stub (any bytes do) and checks OHAI. */
    void uploadStub() {
        byte[] text = new byte[6000];
        Arrays.fill(text, (byte) 0x13);
        assertThat(command(LoaderOpcode.MEM_BEGIN, text.length, 1, 0x1800, 0x40380000).statusCode(0)).isZero();
        assertThat(command(LoaderRequest.dataBlock(LoaderOpcode.MEM_DATA, 0, text)).statusCode(0)).isZero();
        assertThat(command(LoaderOpcode.MEM_END, 0, 0x40380F2E).statusCode(0)).isZero();
        assertThat(new String(frame(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("OHAI");
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

    @Override
    public void close() throws Exception {
        resource.close();
    }
}
