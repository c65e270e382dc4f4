package dev.flota.flash.loader;

import dev.flota.flash.device.Device;
import dev.flota.flash.efuse.EfuseLayout;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.EfuseRegisters;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SerialFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The download-mode state machine: one request frame in, its reply frames out, on the device's own flash. ROM
 * personality after reset; the stub's after MEM_END(0, entry). Survives reconnects; {@link #reset()} starts over.
 *
 * <p>The ROM reads the eFuses at reset, as the chip does: with download mode disabled ({@code DIS_DOWNLOAD_MODE},
 * ESP32 v3 {@code UART_DOWNLOAD_DIS}) there is no loader and nothing answers; in Secure Download Mode
 * ({@code ENABLE_SECURITY_DOWNLOAD}) only {@link #SECURE_DOWNLOAD_COMMANDS} are served, the rest answered as unknown
 * commands ({@code 01 05}, which esptool reports as "not supported in Secure Download Mode"); GET_SECURITY_INFO and
 * the eFuse registers report the eFuses.
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
    private static final byte[] SYNC_DATA = LoaderRequest.sync().data();
    /** What a ROM in Secure Download Mode serves (device_security.md §1.9, serial_loader.md §2.1). */
    static final Set<LoaderOpcode> SECURE_DOWNLOAD_COMMANDS = EnumSet.of(LoaderOpcode.SYNC, LoaderOpcode.SPI_ATTACH,
            LoaderOpcode.SPI_SET_PARAMS, LoaderOpcode.CHANGE_BAUDRATE, LoaderOpcode.FLASH_BEGIN,
            LoaderOpcode.FLASH_DATA, LoaderOpcode.FLASH_END, LoaderOpcode.GET_SECURITY_INFO);

    private final Device device;
    private final NorFlash flash;
    private final ChipRegisters chip;
    private final byte[] mac;
    private final EfuseRegisters efuseRegisters;
    private Efuses efuses;
    private boolean downloadDisabled;
    private boolean secureDownload;
    private RegisterFile registers;
    private LoaderDevice.Personality personality;
    private long declaredFlashSize;
    private int baud;
    private final FlashCommands writes;
    private final StubUpload upload;
    private final RegionCommands regions;
    private ReadStream reading;
    private long busyUntil;

    LoaderMachine(Device device, ChipRegisters chip, byte[] mac) {
        this.device = device;
        this.flash = device.flash();
        this.chip = chip;
        this.mac = mac.clone();
        this.efuseRegisters = EfuseRegisters.of(chip);
        this.writes = new FlashCommands(this, flash);
        this.upload = new StubUpload(this);
        this.regions = new RegionCommands(this, flash);
        reset();
    }

    synchronized void reset() {
        personality = LoaderDevice.Personality.ROM;
        baud = ROM_BAUD;
        efuses = device.properties().efuses();
        downloadDisabled = downloadDisabled(efuses, device.properties().chipRevision());
        secureDownload = efuses.layout().family() != EfuseLayout.Family.ESP32
                && efuses.isSet("ENABLE_SECURITY_DOWNLOAD");
        registers = new RegisterFile(chip, device.properties().chipRevision(), mac, flash, baud,
                efuseRegisters.words(efuses));
        declaredFlashSize = ROM_DEFAULT_FLASH_SIZE;
        writes.reset();
        upload.reset();
        reading = null;
        busyUntil = 0;
    }

    /** {@code DIS_DOWNLOAD_MODE}, or ESP32 {@code UART_DOWNLOAD_DIS} from chip revision 3 (ignored before). */
    static boolean downloadDisabled(Efuses efuses, int chipRevision) {
        if (efuses.layout().family() == EfuseLayout.Family.ESP32) {
            return chipRevision >= 300 && efuses.isSet("UART_DOWNLOAD_DIS");
        }
        return efuses.isSet("DIS_DOWNLOAD_MODE");
    }

    synchronized boolean downloadModeDisabled() {
        return downloadDisabled;
    }

    synchronized boolean secureDownloadMode() {
        return secureDownload;
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
        if (personality == LoaderDevice.Personality.APP || downloadDisabled || flash.isPowerLost()) {
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
        LoaderErrorCode pending = stub() ? writes.takePending() : null;
        if (pending != null) {
            fail(wire, request.opcode(), null, pending);
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
        if (opcode == null || (opcode.stubOnly() && !stub())
                || (secureDownload && !SECURE_DOWNLOAD_COMMANDS.contains(opcode))) {
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
            case FLASH_BEGIN, FLASH_DEFL_BEGIN -> writes.begin(request, wire, opcode == LoaderOpcode.FLASH_DEFL_BEGIN);
            case FLASH_DATA, FLASH_DEFL_DATA -> writes.data(request, wire, opcode == LoaderOpcode.FLASH_DEFL_DATA);
            case FLASH_END, FLASH_DEFL_END -> writes.end(request, wire, opcode == LoaderOpcode.FLASH_DEFL_END);
            case SPI_FLASH_MD5 -> regions.md5(request, wire);
            case READ_FLASH_SLOW -> regions.readFlashSlow(request, wire);
            case MEM_BEGIN -> upload.begin(request, wire);
            case MEM_DATA -> upload.data(request, wire);
            case MEM_END -> upload.end(request, wire);
            case ERASE_FLASH -> regions.eraseFlash(request, wire);
            case ERASE_REGION -> regions.eraseRegion(request, wire);
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
        var info = efuseRegisters.securityInfo(efuses);
        if (info.isEmpty()) {
            fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_FORMAT, LoaderErrorCode.CMD_NOT_IMPLEMENTED);
        } else {
            ok(wire, request.opcode(), 0, info.get().encode());
        }
    }

    private void readFlash(LoaderRequest request, Wire wire) throws IOException {
        ReadStream requested = ReadStream.requested(this, flash, request, wire);
        if (requested == null) {
            return;
        }
        reading = requested;
        reading.start(wire);
        if (reading.done()) {
            reading = null;
        }
    }

    /**
     * The unit an encrypted write is padded to: 32 bytes on ESP32, 16 elsewhere (esptool's
     * FLASH_ENCRYPTED_WRITE_ALIGN).
     */
    int encryptedWriteUnit() {
        return chip.chip() == Chip.ESP32 ? 32 : FlashCipher.BLOCK_SIZE;
    }

    /** Whether an encrypted FLASH_BEGIN may run now, with which cipher. */
    DownloadEncryption downloadEncryption() {
        return DownloadEncryption.of(efuses, stub());
    }

    /** MEM_END ran the uploaded stub: its dialect from now on, no write in progress. */
    void stubStarted() {
        writes.reset();
        personality = LoaderDevice.Personality.STUB;
    }

    /** Leaves download mode: the chip runs its app (the simulated bootloader picks it) and stops answering. */
    void bootApp() {
        writes.reset();
        personality = LoaderDevice.Personality.APP;
        device.reboot();
    }

    boolean stub() {
        return personality == LoaderDevice.Personality.STUB;
    }

    /** The ROM knows only what SPI_SET_PARAMS told it (2 MB by default); the stub probes the chip. */
    long limit() {
        return stub() ? flash.size() : Math.min(declaredFlashSize, flash.size());
    }

    void waitBusy(Wire wire) {
        if (wire.flashTiming()) {
            PacedStreams.parkUntil(System.nanoTime() + flash.drainBusyTime().toNanos());
        }
    }

    void stubBusy(Wire wire) {
        if (wire.flashTiming()) {
            busyUntil = System.nanoTime() + flash.drainBusyTime().toNanos();
        }
    }

    static void requireLength(LoaderRequest request, int length) {
        if (request.length() != length) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, String.format(
                    "command 0x%02x takes %d data bytes, got %d", request.opcode(), length, request.length()));
        }
    }

    void ok(Wire wire, int opcode) throws IOException {
        ok(wire, opcode, 0, new byte[0]);
    }

    void ok(Wire wire, int opcode, int value, byte[] payload) throws IOException {
        wire.send((stub() ? LoaderResponse.stubOk(opcode, value, payload)
                : LoaderResponse.romOk(opcode, value, payload)).encode());
    }

    /** A failure reply in the current dialect; {@code rom} null where the ROM has no such command. */
    void fail(Wire wire, int opcode, LoaderErrorCode rom, LoaderErrorCode stub) throws IOException {
        LoaderErrorCode code = stub() ? stub : rom;
        if (code == null) {
            code = stub() ? LoaderErrorCode.INVALID_COMMAND : LoaderErrorCode.ROM_INVALID_FORMAT;
        }
        wire.send((stub() ? LoaderResponse.stubError(opcode, code) : LoaderResponse.romError(opcode, code)).encode());
    }

    void failOnFlash(Wire wire, int opcode, FlashException e, LoaderErrorCode rom) throws IOException {
        rethrowPowerLoss(e);
        fail(wire, opcode, rom, LoaderErrorCode.FAILED_SPI_OP);
    }

    static void rethrowPowerLoss(FlashException e) {
        if (e.error() == FlashError.POWER_LOST) {
            throw e;
        }
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
