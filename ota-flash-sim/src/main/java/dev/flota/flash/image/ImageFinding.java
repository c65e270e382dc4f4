package dev.flota.flash.image;

/** One reason an image is refused, with a message naming the offending value and where it is. */
public record ImageFinding(ImageError error, String message) {

    @Override
    public String toString() {
        return error + ": " + message;
    }
}
