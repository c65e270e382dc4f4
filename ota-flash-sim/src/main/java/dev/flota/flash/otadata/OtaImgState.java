package dev.flota.flash.otadata;

import java.util.Optional;

/**
 * {@code esp_ota_img_states_t}: the rollback state of an otadata entry. Raw values outside the enum are kept as
 * numbers by {@link OtaSelectEntry}; {@link #describe(long)} names any raw value.
 */
public enum OtaImgState {
    NEW(0),
    PENDING_VERIFY(1),
    VALID(2),
    INVALID(3),
    ABORTED(4),
    /** Written when app rollback is disabled; also what an erased entry reads as. */
    UNDEFINED(0xFFFFFFFFL);

    private final long raw;

    OtaImgState(long raw) {
        this.raw = raw;
    }

    /** The unsigned 32-bit value stored in {@code ota_state}. */
    public long raw() {
        return raw;
    }

    public static Optional<OtaImgState> fromRaw(long raw) {
        for (OtaImgState state : values()) {
            if (state.raw == raw) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }

    /** The state's name, or hex like {@code 0x00000007} for a value outside the enum. */
    public static String describe(long raw) {
        return fromRaw(raw).map(Enum::name).orElse(String.format("0x%08x", raw));
    }
}
