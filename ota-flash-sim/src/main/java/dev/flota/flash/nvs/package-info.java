/**
 * ESP-IDF's NVS partition format (version 2; version-1 blobs read): page header, entry state bitmap and 32-byte items
 * as value types, and {@link dev.flota.flash.nvs.NvsPartition}, which mounts a partition on a
 * {@link dev.flota.flash.nor.NorFlash} with ESP-IDF's recovery rules and writes it in ESP-IDF's power-safe order.
 * Byte layout and rules: {@code shared/spec/nvs.md}.
 */
package dev.flota.flash.nvs;
