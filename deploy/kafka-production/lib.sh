# shellcheck shell=bash
# Shared by the scripts in this folder: the admin connection, SCRAM users and ACLs. Sourced, not run.
#
# Every script takes --bootstrap-server <host:port> and --command-config <admin client properties> (see
# admin-client.properties.example); KAFKA_BIN names the folder of kafka-configs.sh and kafka-acls.sh when they
# are not on PATH.

KAFKA_BIN=${KAFKA_BIN:-}
BOOTSTRAP_SERVER=
COMMAND_CONFIG=
ARGS=()

die() {
  printf '%s: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

# Reads the connection options; what is left over goes to ARGS.
parse_connection_options() {
  while (($# > 0)); do
    case $1 in
      --bootstrap-server) BOOTSTRAP_SERVER=${2:?--bootstrap-server needs host:port}; shift 2 ;;
      --command-config) COMMAND_CONFIG=${2:?--command-config needs a file}; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      --*) die "unknown option $1" ;;
      *) ARGS+=("$1"); shift ;;
    esac
  done
  [[ -n $BOOTSTRAP_SERVER ]] || die '--bootstrap-server <host:port> is required'
  [[ -n $COMMAND_CONFIG ]] || die '--command-config <admin client properties file> is required'
  [[ -r $COMMAND_CONFIG ]] || die "cannot read $COMMAND_CONFIG"
}

# The topic prefix, as KAFKA_TOPIC_PREFIX allows it.
check_prefix() {
  [[ $1 =~ ^[a-z0-9._-]*$ ]] || die "prefix '$1' may hold only lower-case letters, digits, '.', '_' and '-'"
}

kafka_tool() {
  local tool=$1
  shift
  if [[ -n $KAFKA_BIN ]]; then
    "$KAFKA_BIN/$tool" --bootstrap-server "$BOOTSTRAP_SERVER" --command-config "$COMMAND_CONFIG" "$@"
  else
    "$tool" --bootstrap-server "$BOOTSTRAP_SERVER" --command-config "$COMMAND_CONFIG" "$@"
  fi
}

# 40 letters and digits from the kernel's random source: about 238 bits, and nothing that needs quoting in
# SCRAM's [password=...] syntax or in a JAAS line.
generate_password() {
  local password
  password=$(head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-40)
  ((${#password} == 40)) || die 'could not generate a password'
  printf '%s' "$password"
}

# Sets (or replaces) a user's SCRAM-SHA-512 credential. kafka-configs.sh takes it only on its command line
# (--add-config-file does not accept SCRAM keys), so run this on an operator's machine, not a shared one: the
# password is in the process list while the tool runs. Its error output can quote the password; it is masked.
set_scram_user() {
  local user=$1 password=$2 errors
  if ! errors=$(kafka_tool kafka-configs.sh --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]" 2>&1 >/dev/null); then
    printf '%s\n' "${errors//"$password"/<password>}" >&2
    die "could not set the SCRAM credential of $user"
  fi
}

# Removes a user's SCRAM-SHA-512 credential; a user that has none is reported, not an error.
delete_scram_user() {
  local user=$1 errors
  if ! errors=$(kafka_tool kafka-configs.sh --alter --entity-type users --entity-name "$user" --delete-config SCRAM-SHA-512 2>&1 >/dev/null); then
    if [[ $errors == *'user credential that does not exist'* ]]; then
      echo "$user had no SCRAM credential"
      return 0
    fi
    printf '%s\n' "$errors" >&2
    die "could not remove the SCRAM credential of $user"
  fi
}

# allow <user> <operation> --topic <name> | --group <name> | --cluster: one literal ALLOW ACL from any host.
allow() {
  local user=$1 operation=$2
  shift 2
  kafka_tool kafka-acls.sh --add --force --allow-principal "User:$user" --operation "$operation" \
    --resource-pattern-type literal "$@" >/dev/null
}

# DESCRIBE_CONFIGS -> DescribeConfigs: the listing's spelling of an operation, as --operation takes it.
pascal_case() {
  local word result=''
  local -a words
  IFS=_ read -ra words <<<"${1,,}"
  for word in "${words[@]}"; do result+=${word^}; done
  printf '%s' "$result"
}

# Removes every ACL naming the user, on any resource. kafka-acls.sh --remove takes no --principal filter, so each
# ACL the listing shows is removed as it was added (principal, permission, host, operation, resource).
remove_acls_of() {
  local user=$1 listing line kind host
  local -a resource=()
  listing=$(kafka_tool kafka-acls.sh --list --principal "User:$user")
  # Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=x, patternType=LITERAL)`:
  #   (principal=User:u, host=*, operation=WRITE, permissionType=ALLOW)
  while IFS= read -r line; do
    if [[ $line =~ resourceType=([A-Z_]+),\ name=([^,]+),\ patternType=([A-Z]+) ]]; then
      case ${BASH_REMATCH[1]} in
        TOPIC) resource=(--topic "${BASH_REMATCH[2]}") ;;
        GROUP) resource=(--group "${BASH_REMATCH[2]}") ;;
        CLUSTER) resource=(--cluster) ;;
        TRANSACTIONAL_ID) resource=(--transactional-id "${BASH_REMATCH[2]}") ;;
        *) die "unexpected ACL resource ${BASH_REMATCH[1]} for $user; remove it by hand" ;;
      esac
      resource+=(--resource-pattern-type "${BASH_REMATCH[3],,}")
    elif [[ $line =~ principal=User:([^,]+),\ host=([^,]+),\ operation=([A-Z_]+),\ permissionType=(ALLOW|DENY) ]]; then
      [[ ${BASH_REMATCH[1]} == "$user" ]] || continue
      ((${#resource[@]} > 0)) || die "could not read the ACL listing of $user"
      kind=${BASH_REMATCH[4],,}
      host=${BASH_REMATCH[2]}
      kafka_tool kafka-acls.sh --remove --force "--$kind-principal" "User:$user" "--$kind-host" "$host" \
        --operation "$(pascal_case "${BASH_REMATCH[3]}")" "${resource[@]}" >/dev/null
    fi
  done <<<"$listing"
}
