package dev.flota.flash.serial;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming SLIP reader: bytes in as they arrive, whole frames out. Bytes outside a frame are counted and dropped
 * (esptool would call them serial noise); {@code C0 C0} between frames is the end of one and the start of the next, and
 * an empty frame is no frame. A bad escape or an over-long frame drops that frame, resynchronises at the next
 * {@code C0} and is reported as a {@link SerialFormatException} once the whole buffer is read, carrying the good frames
 * of the same call. Not thread-safe: one decoder per byte stream.
 */
public final class SlipDecoder {

    /** Enough for the longest request (65535 data bytes + header) and any READ_FLASH packet. */
    public static final int DEFAULT_MAX_FRAME = 65535 + 8;

    private final int maxFrame;
    private final ByteArrayOutputStream frame = new ByteArrayOutputStream();
    private boolean inFrame;
    private boolean escaped;
    private boolean dropping;
    private long discarded;

    public SlipDecoder() {
        this(DEFAULT_MAX_FRAME);
    }

    public SlipDecoder(int maxFrameLength) {
        if (maxFrameLength < 1) {
            throw new IllegalArgumentException("max frame length must be positive");
        }
        this.maxFrame = maxFrameLength;
    }

    /**
     * Reads {@code len} bytes and returns the frames they complete, in order.
     *
     * @throws SerialFormatException after reading all of them, when a frame among them was bad
     */
    public List<byte[]> feed(byte[] buf, int off, int len) {
        List<byte[]> frames = new ArrayList<>();
        SerialFormatException.Kind failure = null;
        String message = null;
        for (int i = off; i < off + len; i++) {
            int b = buf[i] & 0xFF;
            if (!inFrame) {
                if (b == Slip.END) {
                    startFrame();
                } else {
                    discarded++;
                }
                continue;
            }
            if (b == Slip.END) {
                if (escaped) {
                    failure = SerialFormatException.Kind.BAD_ESCAPE;
                    message = "Invalid SLIP escape (0xdb, 0xc0)";
                    startFrame();
                } else if (frame.size() == 0 && !dropping) {
                    continue;
                } else {
                    if (!dropping) {
                        frames.add(frame.toByteArray());
                    }
                    inFrame = false;
                    frame.reset();
                }
                continue;
            }
            if (dropping) {
                continue;
            }
            if (escaped) {
                escaped = false;
                if (b == Slip.ESC_END) {
                    append(Slip.END);
                } else if (b == Slip.ESC_ESC) {
                    append(Slip.ESC);
                } else {
                    failure = SerialFormatException.Kind.BAD_ESCAPE;
                    message = String.format("Invalid SLIP escape (0xdb, 0x%02x)", b);
                    drop();
                }
            } else if (b == Slip.ESC) {
                escaped = true;
            } else {
                append(b);
            }
            if (!dropping && frame.size() > maxFrame) {
                failure = SerialFormatException.Kind.FRAME_TOO_LONG;
                message = "SLIP frame longer than " + maxFrame + " bytes";
                drop();
            }
        }
        if (failure != null) {
            throw new SerialFormatException(failure, message, frames);
        }
        return frames;
    }

    /** Bytes seen outside any frame so far. */
    public long discardedBytes() {
        return discarded;
    }

    /** True while a frame has started and not ended. */
    public boolean inFrame() {
        return inFrame && (frame.size() > 0 || escaped || dropping);
    }

    private void startFrame() {
        inFrame = true;
        escaped = false;
        dropping = false;
        frame.reset();
    }

    /** The rest of this frame is dropped; the next {@code C0} ends it, and a {@code C0} after that starts a new one. */
    private void drop() {
        dropping = true;
        escaped = false;
        frame.reset();
    }

    private void append(int b) {
        frame.write(b);
    }
}
