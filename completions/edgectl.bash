#!/bin/bash

__edgectl_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__edgectl_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__edgectl_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__edgectl_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_edgectl() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __edgectl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    apply|diff|get|describe|delete|reconcile|rollout|status|logs|exec|node|render|lock|state|completion|help)
        # Offer subcommand argument completions
        "_edgectl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'apply diff get describe delete reconcile rollout status logs exec node render lock state completion help' -- "${cur}"))
        ;;
    esac
}

_edgectl_apply() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v -R --recursive --dry-run --prune --verify --version -h --help)
    repeating_options=(-f --filename)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -o --output)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-f'|'--filename')
        __edgectl_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac
}

_edgectl_diff() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v -R --recursive --insecure-accept-host-keys --no-refresh --prune --version -h --help)
    repeating_options=(-f --filename)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-f'|'--filename')
        __edgectl_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    esac
}

_edgectl_get() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -l --selector -o --output --for --since)
    __edgectl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-l'|'--selector')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    '--for')
        return
        ;;
    '--since')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W 'nodes'$'\n''nodegroups'$'\n''services'$'\n''secrets'$'\n''releases'$'\n''events'$'\n''endpoints'
        return
        ;;
    2)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion get -- positional@1 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_describe() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout)
    __edgectl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W 'node'$'\n''nodegroup'$'\n''service'
        return
        ;;
    2)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion describe -- positional@1 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_delete() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v -R --recursive --version -h --help)
    repeating_options=(-f --filename)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout)
    __edgectl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-f'|'--filename')
        __edgectl_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W 'node'$'\n''nodegroup'$'\n''service'
        return
        ;;
    *)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion delete -- positional@1 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_reconcile() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --verify --version -h --help)
    repeating_options=(--service)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -l --selector -o --output)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--service')
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion reconcile -- --service "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    '-l'|'--selector')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac
}

_edgectl_rollout() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __edgectl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    status|history|undo|pause|resume)
        # Offer subcommand argument completions
        "_edgectl_rollout_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'status history undo pause resume' -- "${cur}"))
        ;;
    esac
}

_edgectl_rollout_status() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -o --output)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion rollout status -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_rollout_history() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -o --output)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion rollout history -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_rollout_undo() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout --to-revision -o --output)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--to-revision')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion rollout undo -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_rollout_pause() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion rollout pause -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_rollout_resume() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion rollout resume -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_status() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --insecure-accept-host-keys --no-refresh -w --watch --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -l --selector -o --output --interval)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-l'|'--selector')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    '--interval')
        return
        ;;
    esac
}

_edgectl_logs() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --insecure-accept-host-keys -f --follow -p --previous --version -h --help)
    repeating_options=(--node --group)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -l --selector --tail)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--node')
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion logs -- --node "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    '--group')
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion logs -- --group "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    '-l'|'--selector')
        return
        ;;
    '--tail')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion logs -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_exec() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --all --grouped --version -h --help)
    repeating_options=(--node --group)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -l --selector --timeout -o --output)
    __edgectl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--node')
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion exec -- --node "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    '--group')
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion exec -- --group "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    '-l'|'--selector')
        return
        ;;
    '--timeout')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac
}

_edgectl_node() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __edgectl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    trust)
        # Offer subcommand argument completions
        "_edgectl_node_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'trust' -- "${cur}"))
        ;;
    esac
}

_edgectl_node_trust() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout --expect)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--expect')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion node trust -- positional@0 "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_edgectl_render() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=(-f --filename)
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout --node --output -o)
    __edgectl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--node')
        __edgectl_add_completions -W "$(__edgectl_custom_complete ---completion render -- --node "${COMP_CWORD}" "$(__edgectl_cursor_index_in_current_word)")"
        return
        ;;
    '-f'|'--filename')
        __edgectl_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--output'|'-o')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac
}

_edgectl_lock() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __edgectl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    status|release)
        # Offer subcommand argument completions
        "_edgectl_lock_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'status release' -- "${cur}"))
        ;;
    esac
}

_edgectl_lock_status() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout -o --output)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '-o'|'--output')
        __edgectl_add_completions -W 'text'$'\n''table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'$'\n''prometheus-sd'
        return
        ;;
    esac
}

_edgectl_lock_release() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --force --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    esac
}

_edgectl_state() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __edgectl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    copy)
        # Offer subcommand argument completions
        "_edgectl_state_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'copy' -- "${cur}"))
        ;;
    esac
}

_edgectl_state_copy() {
    repeating_flags=()
    non_repeating_flags=(--no-color --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--state --parallel --connect-timeout --lock-timeout --from --to)
    __edgectl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state')
        __edgectl_add_completions -o plusdirs -fX '!*.@(db)'
        return
        ;;
    '--parallel')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    esac
}

_edgectl_completion() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __edgectl_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __edgectl_add_completions -W 'bash'$'\n''zsh'$'\n''fish'
        return
        ;;
    esac
}

_edgectl_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __edgectl_offer_flags_options -1
}

complete -o filenames -F _edgectl edgectl