package dev.flota.flash.loader;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.ChipRegisters;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A simulated ESP chip held in download mode: it speaks Espressif's serial ROM loader protocol, and the flasher
 * stub's dialect once a stub was uploaded (MEM_BEGIN/MEM_DATA/MEM_END, then {@code OHAI}), on the flash of a
 * simulated {@link Device}: real NOR semantics, its timing model and its power-cut fault injector. The chip, revision
 * and flash size come from the device; registers, eFuse words and SPI flash ID from {@link ChipRegisters}.
 *
 * <p>Release-mode eFuses shape it as on a chip (read at {@link #reset()}): no loader at all with download mode
 * disabled, Secure Download Mode's short command list, GET_SECURITY_INFO from the eFuses, encrypted writes
 * (FLASH_BEGIN's fifth word) with the device's key where download-mode encryption is allowed. Reads are always raw:
 * an encrypted region reads as its ciphertext.
 *
 * <p>Its state (personality, flash write in progress, baud rate) survives reconnects, as a chip's survives a host
 * closing its serial port; {@link #reset()} (a power cycle or EN pulse with the strap held) returns it to the ROM.
 * When the flash loses power, the device stops answering and its connections end.
 *
 * <p>Serve it over TCP with {@link LoaderServer#start(LoaderDevice)} ({@code socket://}) or
 * {@link LoaderServer#startRfc2217} ({@code rfc2217://}, with DTR/RTS resets), or without TCP through
 * {@link #connect()}, an in-memory duplex byte stream for tests:
 *
 * <pre>{@code
 * LoaderDevice device = LoaderDevice.of(Device.of(flash, DeviceProperties.of(Chip.ESP32_C3)));
 * try (LoaderConnection link = device.connect()) {
 *     link.output().write(LoaderRequest.of(LoaderOpcode.SYNC, syncData).frame());
 *     link.input().read(...);
 * }
 * }</pre>
 */
public final class LoaderDevice {

    /** Whom the host talks to. */
    public enum Personality {
        /** The ROM loader: 4-byte status, what every chip has after reset in download mode. */
        ROM,
        /** The flasher stub after MEM_END: 2-byte BE16 status, ERASE_*, READ_FLASH. */
        STUB,
        /** Download mode left (FLASH_END to the ROM, RUN_USER_CODE): the app runs, nothing answers. */
        APP
    }

    private static final byte[] DEFAULT_MAC = HexFormat.of().parseHex("240ac4123456");

    private final Device device;
    private final ChipRegisters registers;
    private final LoaderMachine machine;

    private LoaderDevice(Device device, ChipRegisters registers, byte[] mac) {
        this.device = device;
        this.registers = registers;
        this.machine = new LoaderMachine(device, registers, mac);
    }

    /** The MAC the device reports unless given one: 24:0a:c4:12:34:56 (an Espressif OUI). */
    public static byte[] defaultMac() {
        return DEFAULT_MAC.clone();
    }

    /**
     * The loader of {@code device}, with {@link #defaultMac()}.
     *
     * @throws IllegalArgumentException for a chip whose registers the reference does not give (see
     *                                  {@link ChipRegisters#of(Chip)}) or a revision its eFuse cannot hold
     */
    public static LoaderDevice of(Device device) {
        return of(device, DEFAULT_MAC);
    }

    public static LoaderDevice of(Device device, byte[] mac) {
        Objects.requireNonNull(device);
        Chip chip = device.chip();
        ChipRegisters registers = ChipRegisters.of(chip).orElseThrow(() -> new IllegalArgumentException(
                "no serial loader model for " + chip.displayName()));
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC is 6 bytes");
        }
        return new LoaderDevice(device, registers, mac);
    }

    public Device device() {
        return device;
    }

    public ChipRegisters registers() {
        return registers;
    }

    public Personality personality() {
        return machine.personality();
    }

    /** The baud rate the last CHANGE_BAUDRATE asked for (115200 after reset); the emulated link keeps its own. */
    public int baudRate() {
        return machine.baud();
    }

    /**
     * Whether the eFuses read at the last reset disable download mode ({@code DIS_DOWNLOAD_MODE}, ESP32 v3
     * {@code UART_DOWNLOAD_DIS}): the chip has no loader, and nothing it receives is answered.
     */
    public boolean downloadModeDisabled() {
        return machine.downloadModeDisabled();
    }

    /** Whether the eFuses read at the last reset put the ROM in Secure Download Mode ({@code ENABLE_SECURITY_DOWNLOAD}). */
    public boolean secureDownloadMode() {
        return machine.secureDownloadMode();
    }

    /** True once the flash lost power: the device answers nothing until {@link #reset()}. */
    public boolean powerLost() {
        return machine.powerLost();
    }

    /** Power cycle or reset into download mode: power is back, the ROM answers, everything in RAM is gone. */
    public void reset() {
        device.flash().powerCycle();
        machine.reset();
    }

    /** A hard reset without the download strap: the device boots its app from flash and stops answering. */
    public void bootApp() {
        synchronized (machine) {
            machine.bootApp();
        }
    }

    /** An in-memory link at full speed; see {@link LoaderConnection}. */
    public LoaderConnection connect() {
        return connect(LinkModel.unlimited());
    }

    public LoaderConnection connect(LinkModel link) {
        return new LoaderConnection(machine, link);
    }

    LoaderMachine machine() {
        return machine;
    }

    @Override
    public String toString() {
        return "LoaderDevice[" + device.chip().esptoolName() + ", " + personality() + "]";
    }
}
