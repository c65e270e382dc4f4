/**
 * The byte links to a chip's serial loader, below the loader protocol: {@link dev.flota.ota.serial.link.SerialLink}
 * opens a serial device (through jSerialComm), {@code socket://host:port} or {@code rfc2217://host:port}, and
 * {@link dev.flota.ota.serial.link.ResetSequence} drives DTR and RTS to reset the chip into download mode or its app.
 * Only those two are public; the link implementations are reached through {@code SerialLink.open}.
 */
package dev.flota.ota.serial.link;
