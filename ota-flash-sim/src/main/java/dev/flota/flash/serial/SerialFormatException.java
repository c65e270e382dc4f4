package dev.flota.flash.serial;

import dev.flota.flash.FormatException;
import java.util.List;
import java.util.Objects;

/** A SLIP frame or loader packet that breaks the format, with what was wrong as a {@link Kind}. */
public final class SerialFormatException extends FormatException {

    /** What was wrong. */
    public enum Kind {
        /** {@code DB} followed by something other than {@code DC} or {@code DD}. */
        BAD_ESCAPE,
        /** A frame longer than the decoder accepts. */
        FRAME_TOO_LONG,
        /** A packet shorter than its 8-byte header. */
        SHORT_PACKET,
        /** Direction byte not 0 (request) or 1 (response) as expected. */
        BAD_DIRECTION,
        /** The length field does not match the data, or a field lies beyond the data. */
        BAD_LENGTH
    }

    private final Kind kind;
    private final transient List<byte[]> completedFrames;

    public SerialFormatException(Kind kind, String message) {
        this(kind, message, List.of());
    }

    SerialFormatException(Kind kind, String message, List<byte[]> completedFrames) {
        super(message);
        this.kind = Objects.requireNonNull(kind);
        this.completedFrames = List.copyOf(completedFrames);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * For a {@link SlipDecoder#feed} that met a bad frame: the good frames completed in the same call, before and after
     * it (the decoder resynchronised and went on), so that nothing valid is lost. Empty otherwise.
     */
    public List<byte[]> completedFrames() {
        return completedFrames;
    }
}
