/**
 * The simulated device's serial download mode: {@link dev.flota.flash.loader.LoaderDevice} answers Espressif's ROM
 * loader protocol and the flasher stub's dialect on a simulated device's flash, {@link
 * dev.flota.flash.loader.LoaderServer} serves it over TCP ({@code socket://}), {@link
 * dev.flota.flash.loader.LinkModel} paces the link like a UART. Wire formats are in {@code dev.flota.flash.serial}.
 */
package dev.flota.flash.loader;
