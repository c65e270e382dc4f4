/**
 * {@code flash}: a simulated device kept on disk as a raw flash image and its sidecar of device properties
 * ({@link dev.flota.bench.host.flash.FlashFiles}), and the commands that create, inspect, write, boot and drive its OTA
 * API.
 */
package dev.flota.bench.host.flash;
