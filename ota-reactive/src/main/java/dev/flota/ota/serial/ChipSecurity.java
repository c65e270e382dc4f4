package dev.flota.ota.serial;

import dev.flota.flash.efuse.EfuseLayout;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.serial.SecurityInfo;
import java.util.Optional;

/**
 * A chip's security state as read at connect: GET_SECURITY_INFO where the ROM has it (not ESP32), and the eFuse
 * blocks behind the download-mode restrictions, the encryption counter, the secure version and the eFuse block
 * revision, read word by word over READ_REG ({@link dev.flota.flash.serial.EfuseRegisters}). Key blocks are not read.
 *
 * @param info   GET_SECURITY_INFO, empty on ESP32
 * @param efuses the blocks read (BLK0 and BLK3 on ESP32, BLK0..2 elsewhere), the others 0
 */
record ChipSecurity(Optional<SecurityInfo> info, Efuses efuses) {

    /** The anti-rollback secure version burned in eFuse. */
    int secureVersion() {
        return efuses.security().secureVersion();
    }

    /** The eFuse block revision, major * 100 + minor (0 on ESP32). */
    int blockRevision() {
        return efuses.security().blockRevision();
    }

    /** The crypt counter, from GET_SECURITY_INFO where there is one, else from eFuse. */
    int cryptCnt() {
        return info.map(SecurityInfo::flashCryptCnt).orElseGet(() -> efuses.security().cryptCnt());
    }

    /** Flash encryption is on: an odd number of counter bits. */
    boolean flashEncrypted() {
        return Integer.bitCount(cryptCnt()) % 2 == 1;
    }

    /** What forbids encrypted writes in download mode: ESP32 DISABLE_DL_ENCRYPT, else DIS_DOWNLOAD_MANUAL_ENCRYPT. */
    String downloadEncryptFuse() {
        return efuses.layout().family() == EfuseLayout.Family.ESP32 ? "DISABLE_DL_ENCRYPT"
                : "DIS_DOWNLOAD_MANUAL_ENCRYPT";
    }

    /** Whether the loader may encrypt what it writes (esptool write-flash --encrypt). */
    boolean downloadEncryptionAllowed() {
        String fuse = downloadEncryptFuse();
        return efuses.layout().field(fuse).isEmpty() || !efuses.isSet(fuse);
    }
}
