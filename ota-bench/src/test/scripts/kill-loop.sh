#!/usr/bin/env bash
# Issue 14, "killing the process", with the real command line: `ota-bench update --resume --flash FILE` from nginx
# over HTTPS, killed with SIGKILL at seeded random points of the image and started again with the same command until
# the device boots the new image; `flash boot` after every kill must boot the old app or the new one. Prints, per
# combination (plain / pre-encrypted x whole GET / partial 64 KiB), what nginx's access log says it sent.
#
# Usage: ota-bench/src/test/scripts/kill-loop.sh [KILLS [IMAGE_SIZE [SEED]]]   (from the worktree root, after
# `mvn -o package`; needs nginx, openssl and ../shared/vectors). Not part of the build or of CI: the in-process
# counterpart is UpdateKilledTest.
set -euo pipefail

KILLS=${1:-20}
SIZE=${2:-1000000}
SEED=${3:-14}
ROOT=$(pwd)
JAR=${JAR:-$ROOT/ota-bench/target/ota-bench.jar}
VECTORS=${VECTORS:-$ROOT/../shared/vectors}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
BENCH=(java -XX:TieredStopAtLevel=1 -jar "$JAR")
WORK=$(mktemp -d /tmp/flota-kill-loop.XXXXXX)
trap '[ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/www" "$WORK/temp"

# Firmware: two synthetic ESP32-C3 apps (ota-bench.jar carries the generator the demo uses).
cat > "$WORK/MakeApp.java" <<'EOF'
public class MakeApp {
    public static void main(String[] args) throws Exception {
        java.nio.file.Files.write(java.nio.file.Path.of(args[2]), dev.flota.flash.testing.SyntheticApp.of(args[0])
                .project("flota-kill").sized(Long.parseLong(args[1])));
    }
}
EOF
java -cp "$JAR" "$WORK/MakeApp.java" 1.0.0 100000 "$WORK/old.bin"
java -cp "$JAR" "$WORK/MakeApp.java" 2.0.0 "$SIZE" "$WORK/new.bin"
"${BENCH[@]}" image encrypt --key "$VECTORS/encrypted/ecc256/device_pub_key.pem" "$WORK/new.bin" "$WORK/new.enc.bin"
for combo in plain-whole plain-64k encrypted-whole encrypted-64k; do
    case $combo in plain-*) cp "$WORK/new.bin" "$WORK/www/$combo.bin" ;; *) cp "$WORK/new.enc.bin" "$WORK/www/$combo.bin" ;; esac
done

# nginx over HTTPS on 127.0.0.1, logging $bytes_sent (headers included) and $body_bytes_sent per request.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$WORK/server.key" -out "$WORK/server.pem" 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 1024; }
http {
  default_type application/octet-stream;
  log_format bytes '\$request \$status \$body_bytes_sent \$bytes_sent';
  access_log $WORK/access.log bytes;
  client_body_temp_path $WORK/temp; proxy_temp_path $WORK/temp; fastcgi_temp_path $WORK/temp;
  uwsgi_temp_path $WORK/temp; scgi_temp_path $WORK/temp;
  sendfile on;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    root $WORK/www;
  }
}
EOF
"$NGINX" -p "$WORK/" -e "$WORK/error.log" -c "$WORK/nginx.conf"
for _ in $(seq 50); do [ -f "$WORK/nginx.pid" ] && break; sleep 0.1; done

# One run of the update, killed once its flash holds $1 bytes (offset of the resume + FlashWritten). Sets RC, REACHED.
run_until() {
    local kill_at=$1 base=0 line
    rm -f "$WORK/events"; mkfifo "$WORK/events"
    "${BENCH[@]}" update "${UPDATE[@]}" > "$WORK/events" 2>>"$WORK/update.err" &
    local pid=$!
    REACHED=0
    while IFS= read -r line; do
        if [[ $line =~ \"event\":\"Resumed\",\"offset\":([0-9]+) ]]; then base=${BASH_REMATCH[1]}; fi
        if [[ $line =~ \"event\":\"FlashWritten\",\"cumulativeBytes\":([0-9]+) ]]; then
            REACHED=$((base + BASH_REMATCH[1]))
            if ((REACHED >= kill_at)); then kill -KILL "$pid" 2>/dev/null || true; break; fi
        fi
    done < "$WORK/events"
    RC=0; { wait "$pid"; } 2>/dev/null || RC=$?  # no "Killed" notice
}

printf '%-16s %10s %6s %9s %12s %12s %14s %s\n' combination image kills requests body_bytes bytes_sent "wasted/kill" \
    "bound (image + kills x request)"
RANDOM=$SEED
for combo in plain-whole plain-64k encrypted-whole encrypted-64k; do
    flash=$WORK/$combo.flash
    "${BENCH[@]}" flash create "$flash" --size 4MB --chip esp32c3 \
        --partitions "$VECTORS/partition_tables/pt_factory_ota2_4MB.csv" --factory "$WORK/old.bin" > /dev/null
    UPDATE=(--resume --resume-interval 4K --flash "$flash" --url "https://127.0.0.1:$PORT/$combo.bin"
        --ca "$WORK/server.pem" --json-events)
    case $combo in *-64k) UPDATE+=(--partial-size 64K) ;; esac
    case $combo in encrypted-*) UPDATE+=(--hmac-key "$VECTORS/encrypted/ecc256/device_hmac_key.bin") ;; esac
    mapfile -t points < <(for _ in $(seq "$KILLS"); do echo $(( (RANDOM * 32768 + RANDOM) % (SIZE - 1) + 1 )); done \
        | sort -n; echo "$SIZE")
    kills=0; next=0
    while :; do
        target=${points[$next]:-999999999999}
        run_until "$target"
        if ((RC == 0)); then break; fi
        if ((RC != 137)); then echo "$combo: update failed with exit $RC" >&2; tail -5 "$WORK/update.err" >&2; exit 1; fi
        kills=$((kills + 1))
        while ((next < ${#points[@]} && points[next] <= REACHED)); do next=$((next + 1)); done
        boot=$("${BENCH[@]}" flash boot "$flash" --json) || { echo "$combo: nothing boots after kill $kills" >&2; exit 1; }
        version=$(grep -o '"version" *: *"[^"]*"' <<< "$boot" | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
        case $version in
            1.0.0) ;;
            2.0.0) break ;;
            *) echo "$combo: after kill $kills the device boots '$version'" >&2; exit 1 ;;
        esac
    done
    final=$("${BENCH[@]}" flash boot "$flash" --json)
    grep -q '"version" *: *"2.0.0"' <<< "$final" || { echo "$combo: the new image does not boot" >&2; exit 1; }
    image=$(stat -c %s "$WORK/www/$combo.bin")
    read -r requests body sent < <(awk -v f="/$combo.bin" '$2 == f { n++; b += $(NF-1); s += $NF }
        END { print n + 0, b + 0, s + 0 }' "$WORK/access.log")
    case $combo in *-64k) request=65536 ;; *) request=$image ;; esac
    bound=$((image + kills * request))
    verdict=$( ((body <= bound)) && echo "holds ($bound)" || echo "EXCEEDED ($bound)")
    printf '%-16s %10d %6d %9d %12d %12d %14d %s\n' "$combo" "$image" "$kills" "$requests" "$body" "$sent" \
        $(( kills > 0 ? (body - image) / kills : 0 )) "$verdict"
done
