package dev.flota.flash.serial;

import java.io.ByteArrayOutputStream;

/**
 * SLIP framing as the ROM loader and esptool use it: every frame is {@code C0}, the escaped packet, {@code C0};
 * {@code C0} inside is sent as {@code DB DC} and {@code DB} as {@code DB DD}. Reading is {@link SlipDecoder}.
 */
public final class Slip {

    public static final int END = 0xC0;
    public static final int ESC = 0xDB;
    public static final int ESC_END = 0xDC;
    public static final int ESC_ESC = 0xDD;

    private Slip() {
    }

    /** The frame of {@code packet}, with its own leading and trailing {@code C0}. */
    public static byte[] encode(byte[] packet) {
        return encode(packet, 0, packet.length);
    }

    public static byte[] encode(byte[] packet, int offset, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + length / 32 + 2);
        out.write(END);
        for (int i = offset; i < offset + length; i++) {
            int b = packet[i] & 0xFF;
            if (b == END) {
                out.write(ESC);
                out.write(ESC_END);
            } else if (b == ESC) {
                out.write(ESC);
                out.write(ESC_ESC);
            } else {
                out.write(b);
            }
        }
        out.write(END);
        return out.toByteArray();
    }
}
