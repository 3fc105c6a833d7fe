#!/bin/sh
# Throw-away mail servers for the campaign tests, on 127.0.0.1 only, every file under $MAIL_ROOT:
# dovecot (IMAP, and LMTP for delivery) and postfix (SMTP, hands mail to dovecot over LMTP).
# Nothing under /etc is read or changed. Needs root (postfix's queue ownership).
#   MAIL_ROOT=/tmp/x SMTP_PORT=… IMAP_PORT=… LMTP_PORT=… [MAIL_TLS=1] servers.sh start|stop|signal
# Users (passwd-file, plain): shop@shop.test / shop-secret, sales@shop.test / sales-secret,
# auditor@auditor.test / auditor-secret, consultant@auditor.test / consultant-secret (scheduled reports).
# Plus addresses (auditor+TOKEN@auditor.test) land in the auditor's INBOX.
set -eu
: "${MAIL_ROOT:?}" "${SMTP_PORT:?}" "${IMAP_PORT:?}" "${LMTP_PORT:?}"

start() {
  rm -rf "$MAIL_ROOT"
  mkdir -p "$MAIL_ROOT/dovecot/run" "$MAIL_ROOT/dovecot/state" "$MAIL_ROOT/mail" "$MAIL_ROOT/log" \
           "$MAIL_ROOT/postfix/conf" "$MAIL_ROOT/postfix/spool" "$MAIL_ROOT/postfix/data"
  # Mail processes never run as root.
  mail_user=nobody; mail_group=nogroup
  # MAIL_TLS=1: STARTTLS on both servers, with a certificate for 127.0.0.1 issued by a throw-away authority
  # ($MAIL_ROOT/ca.crt, the one a client must trust), as a real provider's would be.
  dovecot_tls="ssl = no"; postfix_tls=""
  if [ "${MAIL_TLS:-0}" = 1 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=cxaudit-test-ca \
      -keyout "$MAIL_ROOT/ca.key" -out "$MAIL_ROOT/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
      -keyout "$MAIL_ROOT/tls.key" -out "$MAIL_ROOT/tls.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$MAIL_ROOT/tls.ext"
    openssl x509 -req -in "$MAIL_ROOT/tls.csr" -CA "$MAIL_ROOT/ca.crt" -CAkey "$MAIL_ROOT/ca.key" \
      -CAcreateserial -days 2 -extfile "$MAIL_ROOT/tls.ext" -out "$MAIL_ROOT/tls.crt" 2>/dev/null
    chmod 644 "$MAIL_ROOT/tls.key"
    dovecot_tls="ssl = yes
ssl_cert = <$MAIL_ROOT/tls.crt
ssl_key = <$MAIL_ROOT/tls.key"
    postfix_tls="smtpd_tls_security_level = may
smtpd_tls_cert_file = $MAIL_ROOT/tls.crt
smtpd_tls_key_file = $MAIL_ROOT/tls.key
smtpd_tls_auth_only = yes"
  fi
  printf '%s\n' 'shop@shop.test:{PLAIN}shop-secret::::::' 'sales@shop.test:{PLAIN}sales-secret::::::' \
    'auditor@auditor.test:{PLAIN}auditor-secret::::::' \
    'consultant@auditor.test:{PLAIN}consultant-secret::::::' \
    > "$MAIL_ROOT/dovecot/users"
  cat > "$MAIL_ROOT/dovecot/dovecot.conf" <<CONF
instance_name = cxaudit-test-$IMAP_PORT
base_dir = $MAIL_ROOT/dovecot/run
state_dir = $MAIL_ROOT/dovecot/state
protocols = imap lmtp
listen = 127.0.0.1
hostname = mail.test
log_path = $MAIL_ROOT/log/dovecot.log
$dovecot_tls
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_uid = $mail_user
mail_gid = $mail_group
first_valid_uid = 0
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $MAIL_ROOT/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $MAIL_ROOT/dovecot/users
  default_fields = home=$MAIL_ROOT/mail/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  unix_listener $MAIL_ROOT/dovecot/auth-sasl {
    mode = 0666
  }
}
CONF
  chown "$mail_user:$mail_group" "$MAIL_ROOT/mail"
  dovecot -c "$MAIL_ROOT/dovecot/dovecot.conf"

  P=$MAIL_ROOT/postfix
  cat > "$P/conf/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $P/spool
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.test
mydomain = test
myorigin = mail.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
virtual_mailbox_domains = shop.test auditor.test
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
maillog_file = $MAIL_ROOT/log/postfix.log
maillog_file_prefixes = $MAIL_ROOT
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $MAIL_ROOT/dovecot/auth-sasl
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
# Two addresses the SMTP server refuses at once: for a while (busy@) and for good (gone@).
smtpd_recipient_restrictions = check_recipient_access inline:{ { busy@shop.test = 450 4.2.1 Mailbox busy, try later }, { gone@shop.test = 550 5.1.1 No such mailbox here } }, permit
alias_maps =
alias_database =
local_recipient_maps =
biff = no
$postfix_tls
MAIN
  cat > "$P/conf/master.cf" <<MASTER
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
tlsmgr    unix - - n 1000? 1 tlsmgr
MASTER
  chown postfix "$P/data"
  postfix -c "$P/conf" start
}

# Signals a master process from its pid file and waits for it (at most 10 s).
stop_one() {
  [ -f "$1" ] || return 0
  pid=$(tr -d ' \n' < "$1")
  kill "$pid" 2>/dev/null || return 0
  n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
}

stop() {
  stop_one "$MAIL_ROOT/postfix/spool/pid/master.pid" &
  stop_one "$MAIL_ROOT/dovecot/run/master.pid" &
  wait
}

# Signals both masters and returns at once: they finish shutting down on their own.
signal() {
  for f in "$MAIL_ROOT/postfix/spool/pid/master.pid" "$MAIL_ROOT/dovecot/run/master.pid"; do
    [ -f "$f" ] && kill "$(tr -d ' \n' < "$f")" 2>/dev/null || true
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  signal) signal ;;
  *) echo "usage: $0 start|stop|signal" >&2; exit 2 ;;
esac
