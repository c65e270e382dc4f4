package dev.flota.ota.http;

/**
 * One GET of a download: which bytes it asks for, and what a 2xx answer to it means. The plan is
 * {@code esp_https_ota}'s (spec section 4): in a partial download, {@code bytes=0-0} first when HEAD did not give the
 * size, one plain GET for an image that fits in one request, else ranges of at most {@code maxRequestSize} bytes;
 * otherwise one plain GET, and an open range only to go on after a broken response.
 *
 * @param range the {@code Range} header, null for a plain GET
 * @param start the image offset of the first byte asked for
 * @param end   the last byte the answer must bring, -1 while the image size is unknown
 * @param probe whether this is the {@code bytes=0-0} request for the image size
 */
record RangeRequest(String range, long start, long end, boolean probe) {

    /** What a 2xx answer carries. */
    enum Answer {
        /** Image bytes from {@link #start()}: a 206 (its Content-Range still to check) or the answer to a plain GET. */
        BODY,
        /** The probe's 206: the image size in its Content-Range; its one byte is not kept. */
        SIZE,
        /** A 200 to a ranged request from byte 0: the server ignores Range, and its body is the whole image. */
        WHOLE_IMAGE,
        /** A 200 to a ranged request after byte 0: the server ignores Range, and nothing can be spliced. */
        IGNORED_MIDWAY,
        /** Any other status to a ranged request. */
        UNEXPECTED
    }

    /**
     * The request for the bytes from {@code position}, given what is known of the image. Ranges end on
     * {@code payloadStart + k * maxRequestSize}: the first one carries what comes before the payload (a pre-encrypted
     * image's header) on top of {@code maxRequestSize}, and one that goes on after a short body stops at the next
     * such end, so every range ends where the payload's sectors do when {@code maxRequestSize} is a multiple of them.
     */
    static RangeRequest next(long position, long imageSize, int maxRequestSize, boolean partial, long payloadStart) {
        long last = imageSize < 0 ? -1 : imageSize - 1;
        if (partial && imageSize < 0) {
            return new RangeRequest("bytes=0-0", 0, 0, true);
        }
        if (position == 0 && (!partial || imageSize <= payloadStart + maxRequestSize)) {
            return new RangeRequest(null, 0, last, false);
        }
        if (!partial) {
            return new RangeRequest("bytes=" + position + "-", position, last, false);
        }
        long ends = position < payloadStart ? 1 : Math.floorDiv(position - payloadStart, maxRequestSize) + 1;
        long end = Math.min(imageSize, payloadStart + ends * maxRequestSize) - 1;
        return new RangeRequest("bytes=" + position + "-" + end, position, end, false);
    }

    Answer answer(int status) {
        if (range == null) {
            return Answer.BODY;
        }
        if (status == 206) {
            return probe ? Answer.SIZE : Answer.BODY;
        }
        if (status == 200) {
            return start == 0 ? Answer.WHOLE_IMAGE : Answer.IGNORED_MIDWAY;
        }
        return Answer.UNEXPECTED;
    }
}
