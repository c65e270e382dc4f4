/**
 * A real chip as an {@link dev.flota.ota.target.OtaTarget}: {@link dev.flota.ota.serial.SerialTarget} drives an ESP
 * chip through its serial ROM loader (and, when given, the flasher stub) as esptool does, over a
 * {@link dev.flota.ota.serial.link.SerialLink}: a serial device through jSerialComm, {@code socket://host:port} or
 * {@code rfc2217://host:port}. The wire formats are ota-flash-sim's {@code dev.flota.flash.serial}, shared with the
 * simulated chip.
 */
package dev.flota.ota.serial;
