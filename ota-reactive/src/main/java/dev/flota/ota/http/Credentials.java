package dev.flota.ota.http;

import java.util.Objects;

/**
 * Basic credentials sent after a 401 ({@code username}/{@code password} of {@code esp_http_client_config_t}), at
 * most {@code maxAuthorizationRetries} times. The password never appears in {@link #toString()}.
 *
 * @param username                null for none
 * @param password                null for none
 * @param maxAuthorizationRetries how often a 401 is answered with the credentials
 */
public record Credentials(String username, String password, int maxAuthorizationRetries) {

    /** No credentials; a 401 fails the update. */
    public static final Credentials NONE = new Credentials(null, null, 10);

    public Credentials {
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("a username needs its password, and a password its username");
        }
    }

    public static Credentials basic(String username, String password, int retries) {
        return new Credentials(Objects.requireNonNull(username, "username"),
                Objects.requireNonNull(password, "password"), retries);
    }

    public boolean present() {
        return username != null;
    }

    @Override
    public String toString() {
        return present() ? "Credentials[" + username + ", password hidden, " + maxAuthorizationRetries + " retries]"
                : "Credentials[none]";
    }
}
