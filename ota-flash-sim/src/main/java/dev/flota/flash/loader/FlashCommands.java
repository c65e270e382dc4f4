package dev.flota.flash.loader;

import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.SerialFormatException;
import java.io.IOException;
import java.util.zip.DataFormatException;

/**
 * FLASH_BEGIN/DATA/END and FLASH_DEFL_BEGIN/DATA/END in both dialects. The ROM erases before it acks FLASH_BEGIN and
 * writes (or inflates and writes) each block before acking it; the stub acks first and works after, so a write or
 * inflate error becomes {@link #takePending()}, reported on the next command, and the write is abandoned. The fifth
 * BEGIN word asks for an encrypted write, which the chip does with its own key where its eFuses allow it
 * ({@link LoaderMachine#downloadEncryption()}).
 */
final class FlashCommands {

    private final LoaderMachine machine;
    private final NorFlash flash;
    private FlashWrite write;
    private LoaderErrorCode pending;

    FlashCommands(LoaderMachine machine, NorFlash flash) {
        this.machine = machine;
        this.flash = flash;
    }

    /** Abandons any write in progress and forgets a pending error. */
    void reset() {
        if (write != null) {
            write.close();
            write = null;
        }
        pending = null;
    }

    /** The stub's error from after the last ack, if any; taking it abandons the write. */
    LoaderErrorCode takePending() {
        LoaderErrorCode error = pending;
        if (error != null) {
            reset();
        }
        return error;
    }

    void begin(LoaderRequest request, LoaderMachine.Wire wire, boolean compressed) throws IOException {
        if (request.length() != 16 && request.length() != 20) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, "FLASH_BEGIN is 16 or 20 bytes");
        }
        reset();
        long size = request.word(0) & 0xFFFFFFFFL;
        int numBlocks = request.word(1);
        int blockSize = request.word(2);
        long offset = request.word(3) & 0xFFFFFFFFL;
        boolean encrypted = request.length() == 20 && request.word(4) != 0;
        if (offset + size > machine.limit() || numBlocks < 0 || blockSize < 0 || (numBlocks > 0 && blockSize == 0)) {
            machine.fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        FlashCipher cipher = null;
        int unit = machine.encryptedWriteUnit();
        if (encrypted) {
            DownloadEncryption encryption = machine.downloadEncryption();
            if (encryption.refusal() != null) {
                machine.fail(wire, request.opcode(), encryption.refusal(), encryption.stubRefusal());
                return;
            }
            if (offset % unit != 0 || (!compressed && !machine.stub() && blockSize % unit != 0)) {
                machine.fail(wire, request.opcode(), LoaderErrorCode.ROM_INVALID_PARAMETER,
                        LoaderErrorCode.BAD_DATA_LEN);
                return;
            }
            cipher = encryption.cipher();
        }
        FlashWrite started = new FlashWrite(flash, compressed, machine.stub(), offset, size, numBlocks, blockSize,
                cipher, unit);
        if (machine.stub()) {
            write = started;
            machine.ok(wire, request.opcode());
            return;
        }
        try {
            started.eraseAll();
        } catch (FlashException e) {
            started.close();
            machine.failOnFlash(wire, request.opcode(), e, LoaderErrorCode.ROM_FLASH_WRITE);
            return;
        }
        write = started;
        machine.waitBusy(wire);
        machine.ok(wire, request.opcode());
    }

    void data(LoaderRequest request, LoaderMachine.Wire wire, boolean compressed) throws IOException {
        int op = request.opcode();
        if (write == null || write.compressed() != compressed) {
            machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.NOT_IN_FLASH_MODE);
            return;
        }
        if (request.length() < LoaderRequest.BLOCK_HEADER_LENGTH) {
            machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        byte[] block = request.block();
        int seq = request.word(1);
        if (request.word(0) != block.length) {
            machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.TOO_MUCH_DATA);
            return;
        }
        if (request.blockChecksum() != request.checksum()) {
            machine.fail(wire, op, LoaderErrorCode.ROM_CHECKSUM, LoaderErrorCode.BAD_DATA_CHECKSUM);
            return;
        }
        if (machine.stub()) {
            machine.ok(wire, op);
            wire.flush();
            try {
                if (compressed) {
                    if (!write.inflate(block, write.size())) {
                        pending = LoaderErrorCode.TOO_MUCH_DATA;
                    }
                } else {
                    write.writeSequential(block);
                }
            } catch (DataFormatException e) {
                pending = LoaderErrorCode.INFLATE_ERROR;
            } catch (FlashException e) {
                LoaderMachine.rethrowPowerLoss(e);
                pending = LoaderErrorCode.FAILED_SPI_OP;
            }
            machine.stubBusy(wire);
            return;
        }
        try {
            if (compressed) {
                if (seq != write.nextSeq()) {
                    machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, null);
                    return;
                }
                if (!write.inflate(block, write.size())) {
                    reset();
                    machine.fail(wire, op, LoaderErrorCode.ROM_FLASH_WRITE, null);
                    return;
                }
            } else {
                if (seq < 0 || seq >= write.numBlocks() || block.length > write.blockSize()
                        || write.blockAddress(seq) + block.length > machine.limit()) {
                    machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, null);
                    return;
                }
                write.writeBlock(seq, block);
            }
        } catch (DataFormatException e) {
            reset();
            machine.fail(wire, op, LoaderErrorCode.ROM_DEFLATE, null);
            return;
        } catch (FlashException e) {
            reset();
            machine.failOnFlash(wire, op, e, LoaderErrorCode.ROM_FLASH_WRITE);
            return;
        }
        machine.waitBusy(wire);
        machine.ok(wire, op);
    }

    void end(LoaderRequest request, LoaderMachine.Wire wire, boolean compressed) throws IOException {
        LoaderMachine.requireLength(request, 4);
        if (!machine.stub()) {
            reset();
            machine.ok(wire, request.opcode());
            wire.flush();
            machine.bootApp();
            return;
        }
        if (write == null || write.compressed() != compressed) {
            reset();
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.NOT_IN_FLASH_MODE);
            return;
        }
        boolean complete = write.complete();
        reset();
        if (complete) {
            machine.ok(wire, request.opcode());
        } else {
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.BAD_DATA_LEN);
        }
    }
}
