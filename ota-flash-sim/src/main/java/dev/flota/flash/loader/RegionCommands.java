package dev.flota.flash.loader;

import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The one-reply commands on a flash region outside a FLASH_BEGIN write: SPI_FLASH_MD5, READ_FLASH_SLOW (ROM only),
 * ERASE_FLASH and ERASE_REGION (stub only). Each checks its region (the reads against
 * {@link LoaderMachine#limit()}, the erases against the chip), runs to the end, waits the flash's busy time and
 * answers once; the streamed READ_FLASH is {@link ReadStream}'s.
 */
final class RegionCommands {

    private final LoaderMachine machine;
    private final NorFlash flash;

    RegionCommands(LoaderMachine machine, NorFlash flash) {
        this.machine = machine;
        this.flash = flash;
    }

    /** SPI_FLASH_MD5: the ROM answers the digest as 32 hex characters, the stub as its 16 raw bytes. */
    void md5(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        LoaderMachine.requireLength(request, 16);
        long address = request.word(0) & 0xFFFFFFFFL;
        long size = request.word(1) & 0xFFFFFFFFL;
        if (address + size > machine.limit()) {
            machine.fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.FAILED_SPI_OP);
            return;
        }
        byte[] digest;
        try {
            MessageDigest md5 = LoaderMachine.md5();
            byte[] chunk = new byte[64 * 1024];
            for (long at = address; at < address + size; at += chunk.length) {
                int n = (int) Math.min(chunk.length, address + size - at);
                flash.read(at, chunk, 0, n);
                md5.update(chunk, 0, n);
            }
            digest = md5.digest();
        } catch (FlashException e) {
            machine.failOnFlash(wire, request.opcode(), e, LoaderErrorCode.ROM_FLASH_READ);
            return;
        }
        machine.waitBusy(wire);
        machine.ok(wire, request.opcode(), 0, machine.stub() ? digest
                : HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII));
    }

    void readFlashSlow(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        if (machine.stub()) {
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.INVALID_COMMAND);
            return;
        }
        LoaderMachine.requireLength(request, 8);
        long address = request.word(0) & 0xFFFFFFFFL;
        long length = request.word(1) & 0xFFFFFFFFL;
        if (length > 64 || address + length > machine.limit()) {
            machine.fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, null);
            return;
        }
        byte[] payload = new byte[64];
        try {
            flash.read(address, payload, 0, (int) length);
        } catch (FlashException e) {
            machine.failOnFlash(wire, request.opcode(), e, LoaderErrorCode.ROM_FLASH_READ);
            return;
        }
        machine.waitBusy(wire);
        machine.ok(wire, request.opcode(), 0, payload);
    }

    /** ERASE_FLASH: the whole chip, whatever the request carries. */
    void eraseFlash(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        erase(request, wire, 0, flash.size());
    }

    void eraseRegion(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        LoaderMachine.requireLength(request, 8);
        long offset = request.word(0) & 0xFFFFFFFFL;
        long size = request.word(1) & 0xFFFFFFFFL;
        if (offset % NorFlash.SECTOR_SIZE != 0 || size % NorFlash.SECTOR_SIZE != 0) {
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        erase(request, wire, offset, size);
    }

    private void erase(LoaderRequest request, LoaderMachine.Wire wire, long offset, long size) throws IOException {
        if (offset + size > flash.size()) {
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.FAILED_SPI_OP);
            return;
        }
        try {
            flash.eraseRange(offset, size);
        } catch (FlashException e) {
            machine.failOnFlash(wire, request.opcode(), e, null);
            return;
        }
        machine.waitBusy(wire);
        machine.ok(wire, request.opcode());
    }
}
