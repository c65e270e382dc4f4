package dev.flota.flash.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step the esptool-js harness runs, named after the esptool-js call it makes. Build them with the factories; the
 * harness runs them in order over one session and stops at the first failure.
 */
public record EsptoolJsOperation(String op, Map<String, Object> arguments) {

    public EsptoolJsOperation {
        Objects.requireNonNull(op, "op");
        arguments = Map.copyOf(arguments);
    }

    /** {@code ESPLoader.main()} without a reset: sync, chip detection, stub upload, baud change, flash ID. */
    public static EsptoolJsOperation connect() {
        return new EsptoolJsOperation("connect", Map.of("before", "no_reset"));
    }

    /** {@code readFlashId()}: RDID through the SPI registers. */
    public static EsptoolJsOperation flashId() {
        return new EsptoolJsOperation("flashId", Map.of());
    }

    /**
     * {@code writeFlash} of one file at {@code address}, deflated or not, with esptool-js's MD5 check (the harness
     * gives it {@code calculateMD5Hash}).
     */
    public static EsptoolJsOperation writeFlash(Path file, long address, boolean compress) {
        return writeFlash(List.of(new FlashFile(file, address)), compress);
    }

    public static EsptoolJsOperation writeFlash(List<FlashFile> files, boolean compress) {
        List<Map<String, Object>> list = files.stream()
                .map(f -> Map.<String, Object>of("path", f.path().toAbsolutePath().toString(), "address", f.address()))
                .toList();
        return new EsptoolJsOperation("writeFlash", Map.of("files", list, "compress", compress, "md5", true));
    }

    /** {@code readFlash(address, size)} (streamed READ_FLASH of the stub), written to {@code file}. */
    public static EsptoolJsOperation readFlash(long address, long size, Path file) {
        return new EsptoolJsOperation("readFlash",
                Map.of("address", address, "size", size, "path", file.toAbsolutePath().toString()));
    }

    /** {@code eraseFlash()}: the stub's ERASE_FLASH. */
    public static EsptoolJsOperation eraseFlash() {
        return new EsptoolJsOperation("eraseFlash", Map.of());
    }

    /** {@code flashMd5sum(address, size)}: SPI_FLASH_MD5. */
    public static EsptoolJsOperation md5(long address, long size) {
        return new EsptoolJsOperation("md5", Map.of("address", address, "size", size));
    }

    /** {@code readReg(address)}. */
    public static EsptoolJsOperation readReg(long address) {
        return new EsptoolJsOperation("readReg", Map.of("address", address));
    }

    /** {@code getSecurityInfo(false)}: GET_SECURITY_INFO decoded by esptool-js (flags, parsed flag names, crypt count). */
    public static EsptoolJsOperation securityInfo() {
        return new EsptoolJsOperation("securityInfo", Map.of());
    }

    /** {@code after(mode)}: {@code hard_reset}, {@code soft_reset}, {@code no_reset}, {@code no_reset_stub}. */
    public static EsptoolJsOperation after(String mode) {
        return new EsptoolJsOperation("after", Map.of("mode", mode));
    }

    String toJson() {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("op", op);
        all.putAll(arguments);
        try {
            return EsptoolJs.JSON.writeValueAsString(all);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + all, e);
        }
    }

    /** A file and the flash address {@code writeFlash} writes it at. */
    public record FlashFile(Path path, long address) {

        public FlashFile {
            Objects.requireNonNull(path, "path");
            if (address < 0) {
                throw new IllegalArgumentException("address " + address);
            }
        }
    }
}
