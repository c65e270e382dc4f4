package dev.flota.ota.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code auth-param} syntax of {@code WWW-Authenticate} (RFC 9110 §11): a header value holding one or more
 * challenges, each a scheme followed by {@code name=token} or {@code name="quoted string"} pairs.
 */
final class AuthParams {

    private AuthParams() {
    }

    /** The challenges in one header value, each starting with its scheme, e.g. {@code Digest realm="x", ...}. */
    static List<String> challenges(String value) {
        List<String> challenges = new ArrayList<>();
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (c == ',' && !quoted && startsChallenge(value, i + 1)) {
                challenges.add(value.substring(start, i).trim());
                start = i + 1;
            }
        }
        challenges.add(value.substring(start).trim());
        return challenges;
    }

    /** Whether a new challenge (a scheme token followed by a space, not {@code name=}) starts at {@code at}. */
    private static boolean startsChallenge(String value, int at) {
        String rest = value.substring(at).stripLeading();
        int end = 0;
        while (end < rest.length() && (Character.isLetterOrDigit(rest.charAt(end)) || rest.charAt(end) == '-')) {
            end++;
        }
        return end > 0 && end < rest.length() && rest.charAt(end) == ' ' && !rest.substring(end).stripLeading()
                .startsWith("=");
    }

    /** The parameters after the scheme, names lower-cased, quoted values unquoted. */
    static Map<String, String> parse(String params) {
        Map<String, String> result = new HashMap<>();
        int i = 0;
        while (i < params.length()) {
            while (i < params.length() && (params.charAt(i) == ',' || Character.isWhitespace(params.charAt(i)))) {
                i++;
            }
            int eq = params.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = params.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            while (i < params.length() && Character.isWhitespace(params.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < params.length() && params.charAt(i) == '"') {
                i++;
                while (i < params.length() && params.charAt(i) != '"') {
                    if (params.charAt(i) == '\\' && i + 1 < params.length()) {
                        i++;
                    }
                    value.append(params.charAt(i++));
                }
                i++;
            } else {
                while (i < params.length() && params.charAt(i) != ',') {
                    value.append(params.charAt(i++));
                }
            }
            result.put(name, value.toString().trim());
        }
        return result;
    }

    static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
