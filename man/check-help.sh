#!/bin/bash
# Fails when a subcommand, stage or option that `modseal` or `modseal-hook` shows in its
# --help output is missing from its man page. The lists come from the binaries' own help,
# so a new option fails this test until the page documents it.
#
#   check-help.sh BUILDDIR                 (binaries at BUILDDIR/builder, BUILDDIR/hook)
#   check-help.sh MODSEAL MODSEAL_HOOK
set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 1 ]; then
  modseal=$1/builder/modseal
  hook=$1/hook/modseal-hook
elif [ $# -eq 2 ]; then
  modseal=$1
  hook=$2
else
  echo "usage: $0 BUILDDIR | $0 MODSEAL MODSEAL_HOOK" >&2
  exit 2
fi
for bin in "$modseal" "$hook"; do
  [ -x "$bin" ] || { echo "check-help: $bin: not an executable" >&2; exit 2; }
done

missing=0
checked=0

# The page's source as plain words: roff escapes and comments removed, so "\-\-root"
# matches "--root". Source, not rendered output: groff may break a line inside "--a-b".
page_text() {
  sed -e '/^\.\\"/d' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' \
      -e 's/\\&//g' -e 's/\\%//g' "$1"
}

# Lines of one section of the page text $1: from a heading line equal to $2 (".SS keygen",
# ".SH OPTIONS") to the next heading.
section() {
  awk -v want="$2" '
    /^\.S[HS]( |$)/ { inside = ($0 == want); next }
    inside' <<<"$1"
}

# Whether an option appears as a whole word (so --root does not match --rootfs).
has_word() {
  grep -qE -- "(^|[^A-Za-z0-9-])$(printf '%s' "$2" | sed 's/[.]/\\./g')([^A-Za-z0-9-]|$)" <<<"$1"
}

report() {
  echo "MISSING: $1"
  missing=$((missing + 1))
}

# CLI11 help: the names in a block ("Options:", "Subcommands:") up to the blank line after
# it. Option lines are indented by exactly two spaces; wrapped descriptions by more.
help_block() {
  awk -v block="$2" '
    $0 == block { inside = 1; next }
    inside && /^$/ { exit }
    inside && /^  [^ ]/ { print $1 }' <<<"$1"
}

# Every option of a "-o,--output"-style spec list, one per line.
split_specs() {
  tr ',' '\n' | grep -E '^-'
}

# --- modseal -----------------------------------------------------------------------------
page=$(page_text "$here/modseal.1")
top_help=$("$modseal" --help) || { echo "check-help: $modseal --help failed" >&2; exit 2; }
globals=$(help_block "$top_help" "Options:" | split_specs)
subcommands=$(help_block "$top_help" "Subcommands:")
if [ -z "$globals" ] || [ -z "$subcommands" ]; then
  echo "check-help: could not parse the options and subcommands of '$modseal --help'" >&2
  exit 2
fi

options_text=$(section "$page" ".SH OPTIONS")
for opt in $globals; do
  checked=$((checked + 1))
  has_word "$options_text" "$opt" || report "modseal.1 OPTIONS: $opt (modseal --help)"
done

for sub in $subcommands; do
  checked=$((checked + 1))
  text=$(section "$page" ".SS $sub")
  if [ -z "$text" ]; then
    report "modseal.1: no '.SS $sub' section for subcommand $sub"
    continue
  fi
  sub_help=$("$modseal" "$sub" --help) || { echo "check-help: $modseal $sub --help failed" >&2; exit 2; }
  opts=$(help_block "$sub_help" "Options:" | split_specs)
  [ -n "$opts" ] || { echo "check-help: no options parsed from '$modseal $sub --help'" >&2; exit 2; }
  for opt in $opts; do
    # -h/--help belong to every subcommand and are documented once, under OPTIONS.
    grep -qxF -- "$opt" <<<"$globals" && continue
    checked=$((checked + 1))
    has_word "$text" "$opt" || report "modseal.1 section $sub: $opt (modseal $sub --help)"
  done
done

# --- modseal-hook ------------------------------------------------------------------------
page=$(page_text "$here/modseal-hook.8")
hook_help=$("$hook" --help) || { echo "check-help: $hook --help failed" >&2; exit 2; }
# "usage: modseal-hook [--config FILE] [--cmdline FILE] load|lock|check-config"
stages=$(grep -m1 '^usage:' <<<"$hook_help" | tr ' ' '\n' | grep -F '|' | grep -v '^\[' | tr '|' '\n')
hook_opts=$(grep -oE -- '--[A-Za-z0-9][A-Za-z0-9-]*' <<<"$hook_help" | sort -u)
if [ -z "$stages" ] || [ -z "$hook_opts" ]; then
  echo "check-help: could not parse the stages and options of '$hook --help'" >&2
  exit 2
fi
stages_text=$(section "$page" ".SH STAGES")
# A stage is documented when it is the tag of a .TP item under STAGES.
stage_tags=$(awk 'prev == ".TP" { print $2 } { prev = $0 }' <<<"$stages_text")
for stage in $stages; do
  checked=$((checked + 1))
  grep -qxF -- "$stage" <<<"$stage_tags" || report "modseal-hook.8 STAGES: $stage (modseal-hook --help)"
done
options_text=$(section "$page" ".SH OPTIONS")
for opt in $hook_opts; do
  checked=$((checked + 1))
  has_word "$options_text" "$opt" || report "modseal-hook.8 OPTIONS: $opt (modseal-hook --help)"
done

if [ "$missing" -ne 0 ]; then
  echo "check-help: $missing of $checked items shown by --help are not in the man pages"
  exit 1
fi
echo "check-help: all $checked subcommands, stages and options shown by --help are documented"
