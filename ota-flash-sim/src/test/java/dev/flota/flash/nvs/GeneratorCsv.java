package dev.flota.flash.nvs;

import dev.flota.flash.nor.NorFlash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Replays an {@code nvs_partition_gen.py} CSV ({@code key,type,encoding,value}) through {@link NvsPartition} on an
 * erased flash, so Flota's bytes can be compared with the generator's.
 */
final class GeneratorCsv {

    private GeneratorCsv() {
    }

    static byte[] write(Path csv, int size) {
        try {
            return write(Files.readAllLines(csv), csv.getParent(), size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] write(List<String> lines, Path dir, int size) {
        NorFlash flash = NorFlash.inMemory(size);
        NvsPartition nvs = NvsPartition.mount(flash, 0, size);
        NvsNamespace ns = null;
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", 4);
            if (f[1].equals("namespace")) {
                ns = nvs.open(f[0]);
                continue;
            }
            ns.set(f[0], value(f[1], f[2], f.length > 3 ? f[3] : "", dir));
        }
        return flash.read(0, size);
    }

    private static NvsValue value(String kind, String encoding, String text, Path dir) {
        if (kind.equals("file")) {
            try {
                byte[] content = Files.readAllBytes(dir.resolve(text));
                return encoding.equals("string") ? NvsValue.str(new String(content)) : NvsValue.blob(content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return switch (encoding) {
            case "string" -> NvsValue.str(text);
            case "hex2bin" -> NvsValue.blob(HexFormat.of().parseHex(text));
            case "base64" -> NvsValue.blob(Base64.getDecoder().decode(text));
            default -> NvsValue.integer(NvsType.valueOf(encoding.toUpperCase()), new BigInteger(text).longValue());
        };
    }
}
