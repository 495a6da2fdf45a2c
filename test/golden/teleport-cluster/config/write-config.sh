set -eu
umask 077
printf '%s' "$TELEPORT_CONFIG" > /etc/teleport/teleport.yaml
printf '%s' "$TELEPORT_ROLES" > /etc/teleport/apply-on-startup.yaml
{ printf '%s' "$TELEPORT_ROLES"; printf '%s\n' '---'; printf '%s' "$TELEPORT_CONNECTOR"; printf '    %s\n' "$GITHUB_CLIENT_SECRET"; } > /etc/teleport/bootstrap.yaml
