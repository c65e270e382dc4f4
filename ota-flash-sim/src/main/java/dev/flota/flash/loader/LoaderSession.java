package dev.flota.flash.loader;

import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.serial.SerialFormatException;
import dev.flota.flash.serial.Slip;
import dev.flota.flash.serial.SlipDecoder;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/** One host connection: SLIP in, the machine's replies out, until the host closes or the device loses power. */
final class LoaderSession {

    private LoaderSession() {
    }

    /** How a session ended. */
    enum End {
        HOST_CLOSED,
        POWER_LOST
    }

    /**
     * Serves until the host closes; when the device loses power, returns at once, or with {@code keepOnPowerLoss}
     * (a serial adapter that stays connected) keeps reading and answers nothing until a reset brings power back.
     */
    static End serve(LoaderMachine machine, InputStream rawIn, OutputStream rawOut, LinkModel link,
            boolean keepOnPowerLoss) throws IOException {
        InputStream in = PacedStreams.input(rawIn, link);
        OutputStream out = new BufferedOutputStream(PacedStreams.output(rawOut, link), 8192);
        LoaderMachine.Wire wire = new LoaderMachine.Wire() {
            @Override
            public void send(byte[] packet) throws IOException {
                out.write(Slip.encode(packet));
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public boolean flashTiming() {
                return link.flashTiming();
            }
        };
        SlipDecoder decoder = new SlipDecoder();
        byte[] buffer = new byte[8192];
        try {
            while (true) {
                if (machine.powerLost() && !keepOnPowerLoss) {
                    return End.POWER_LOST;
                }
                int n = in.read(buffer);
                if (n < 0) {
                    return End.HOST_CLOSED;
                }
                List<byte[]> frames;
                try {
                    frames = decoder.feed(buffer, 0, n);
                } catch (SerialFormatException e) {
                    frames = e.completedFrames();
                }
                for (byte[] frame : frames) {
                    try {
                        machine.onFrame(frame, wire);
                    } catch (FlashException e) {
                        if (e.error() != FlashError.POWER_LOST) {
                            throw e;
                        }
                        if (!keepOnPowerLoss) {
                            return End.POWER_LOST;
                        }
                        out.flush();
                    }
                }
            }
        } finally {
            machine.disconnected();
        }
    }
}
