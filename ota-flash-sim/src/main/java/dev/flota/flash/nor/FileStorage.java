package dev.flota.flash.nor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A raw flash image file, byte for byte what {@code esptool read_flash 0 SIZE} dumps: it survives a JVM restart as
 * flash survives a power cycle, and Espressif's tools can read it. Blocking I/O: callers on an event loop must move
 * it to a bounded scheduler.
 */
final class FileStorage implements FlashStorage {

    private final FileChannel channel;
    private final long size;

    private FileStorage(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    static FileStorage open(Path path, long size) {
        try {
            boolean exists = Files.exists(path);
            if (exists && Files.size(path) != size) {
                throw new IllegalArgumentException(path + " holds " + Files.size(path) + " bytes, expected a "
                        + size + "-byte flash image");
            }
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileStorage storage = new FileStorage(channel, size);
            if (!exists) {
                storage.erase(0, (int) Math.min(size, Integer.MAX_VALUE));
                for (long at = Integer.MAX_VALUE; at < size; at += Integer.MAX_VALUE) {
                    storage.erase(at, (int) Math.min(size - at, Integer.MAX_VALUE));
                }
            }
            return storage;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open flash image " + path, e);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long address, byte[] into, int offset, int length) {
        ByteBuffer buffer = ByteBuffer.wrap(into, offset, length);
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, address + buffer.position() - offset) < 0) {
                    throw new IllegalStateException("flash image file is shorter than the chip");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void write(long address, byte[] from, int offset, int length) {
        ByteBuffer buffer = ByteBuffer.wrap(from, offset, length);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer, address + buffer.position() - offset);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void erase(long address, int length) {
        byte[] ones = new byte[Math.min(length, 1 << 16)];
        Arrays.fill(ones, (byte) 0xFF);
        for (int done = 0; done < length; done += ones.length) {
            write(address + done, ones, 0, Math.min(ones.length, length - done));
        }
    }

    @Override
    public void flush() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
