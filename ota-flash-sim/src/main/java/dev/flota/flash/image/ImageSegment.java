package dev.flota.flash.image;

/**
 * One segment as found in the file.
 *
 * @param loadAddress where it is loaded
 * @param length      its data length
 * @param dataOffset  file offset of its first data byte
 */
public record ImageSegment(long loadAddress, long length, long dataOffset) {
}
