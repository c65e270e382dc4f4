/**
 * Host tools over the ESP-IDF table formats: {@code partitions} (as {@code gen_esp32part.py}) and {@code otadata}
 * (as {@code otatool.py} reads it). The image and flash tools are in {@code host.image} and {@code host.flash}.
 */
package dev.flota.bench.host;
