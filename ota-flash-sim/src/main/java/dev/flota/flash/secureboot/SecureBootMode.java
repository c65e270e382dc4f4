package dev.flota.flash.secureboot;

/** Where the device's trust comes from, which decides how many signature blocks it examines. */
public enum SecureBootMode {
    /**
     * {@code CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT}: the key digest is taken from the running app's first
     * block, and only block 0 of the new image is examined.
     */
    SIGNED_ON_UPDATE_NO_SECURE_BOOT,
    /** Hardware Secure Boot V2: key digests in eFuse, up to three blocks tried (one on ESP32). */
    SECURE_BOOT_V2
}
