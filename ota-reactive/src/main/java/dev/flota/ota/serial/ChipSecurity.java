package dev.flota.ota.serial;

import dev.flota.flash.efuse.EfuseLayout;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.SecurityInfo;
import java.util.Optional;

/**
 * A chip's security state as read at connect: GET_SECURITY_INFO where the ROM has it (not ESP32), and the eFuse
 * blocks behind the download-mode restrictions, the encryption counter, the secure version and the eFuse block
 * revision, read word by word over READ_REG ({@link dev.flota.flash.serial.EfuseRegisters}). Key blocks are not read.
 * The target refuses a chip whose flash is encrypted ({@link #refuseEncryptedFlash}).
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

    /**
     * Flash encryption on (an odd crypt counter): what esptool would do is read ciphertext and, without
     * {@code --encrypt}, write plaintext the bootloader cannot decrypt. Neither gives an update, so the target refuses,
     * saying whether the loader could at least encrypt (development mode) or not (release mode). Here because the
     * answer is this record's: the counter and the download-encryption eFuse.
     */
    void refuseEncryptedFlash(Chip chip) {
        if (!flashEncrypted()) {
            return;
        }
        String state = String.format("flash encryption is on (crypt counter 0x%x) on the %s", cryptCnt(),
                chip.displayName());
        String reads = "the loader reads flash raw, so the partition table, otadata and running app read as "
                + "ciphertext (esptool cannot read encrypted flash either), and a plain write of an app would leave "
                + "it unbootable";
        String writes = downloadEncryptionAllowed()
                ? "; only esptool write-flash --encrypt can write plaintext to it"
                        + (chip == Chip.ESP32 ? " (with the flasher stub on ESP32)" : "")
                : "; release mode forbids encrypted download (" + downloadEncryptFuse() + "): only "
                        + "pre-encrypted ciphertext can be written, so such a device is updated over the air by its "
                        + "own app, not over the loader";
        throw new LoaderException(LoaderException.Reason.FLASH_ENCRYPTED, state + ": " + reads + writes);
    }
}
