/**
 * The wire formats of Espressif's serial ROM loader and of the esptool flasher stub: SLIP framing, request and response
 * packets, opcodes, error codes, the security-info payload, and the per-chip register facts (detection, eFuse, SPI
 * user-command registers) a host reads and a device answers. Shared by the simulated device and the host client, so
 * both sides speak one implementation of each rule. Reference: {@code serial_loader.md}.
 */
package dev.flota.flash.serial;
