function __edgectl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __edgectl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __edgectl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __edgectl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __edgectl_parse_tokens -S
    set -l unparsed_tokens (__edgectl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'edgectl'
        __edgectl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'apply'
            __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'f/filename=+' 'R/recursive' 'dry-run' 'prune' 'verify' 'o/output=' 'version' 'h/help'
        case 'diff'
            __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'f/filename=+' 'R/recursive' 'insecure-accept-host-keys' 'no-refresh' 'prune' 'version' 'h/help'
        case 'get'
            __edgectl_parse_subcommand 2 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'l/selector=' 'o/output=' 'for=' 'since=' 'version' 'h/help'
        case 'describe'
            __edgectl_parse_subcommand 2 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'version' 'h/help'
        case 'delete'
            __edgectl_parse_subcommand -r 2 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'f/filename=+' 'R/recursive' 'version' 'h/help'
        case 'reconcile'
            __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'service=+' 'l/selector=' 'verify' 'o/output=' 'version' 'h/help'
        case 'rollout'
            __edgectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'status'
                __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'o/output=' 'version' 'h/help'
            case 'history'
                __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'o/output=' 'version' 'h/help'
            case 'undo'
                __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'to-revision=' 'o/output=' 'version' 'h/help'
            case 'pause'
                __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'version' 'h/help'
            case 'resume'
                __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'version' 'h/help'
            end
        case 'status'
            __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'insecure-accept-host-keys' 'no-refresh' 'l/selector=' 'o/output=' 'w/watch' 'interval=' 'version' 'h/help'
        case 'logs'
            __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'insecure-accept-host-keys' 'node=+' 'group=+' 'l/selector=' 'tail=' 'f/follow' 'p/previous' 'version' 'h/help'
        case 'exec'
            __edgectl_parse_subcommand -r 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'node=+' 'group=+' 'l/selector=' 'all' 'grouped' 'timeout=' 'o/output=' 'version' 'h/help'
        case 'node'
            __edgectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'trust'
                __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'expect=' 'version' 'h/help'
            end
        case 'render'
            __edgectl_parse_subcommand 1 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'node=' 'f/filename=+' 'o/output=' 'version' 'h/help'
        case 'lock'
            __edgectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'status'
                __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'o/output=' 'version' 'h/help'
            case 'release'
                __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'force' 'version' 'h/help'
            end
        case 'state'
            __edgectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'copy'
                __edgectl_parse_subcommand 0 'state=' 'parallel=' 'connect-timeout=' 'lock-timeout=' 'no-color' 'v/verbose' 'from=' 'to=' 'version' 'h/help'
            end
        case 'completion'
            __edgectl_parse_subcommand 1 'version' 'h/help'
        case 'help'
            __edgectl_parse_subcommand -r 1 'version'
        end
    end
end

function __edgectl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __edgectl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __edgectl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __edgectl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__edgectl_tokens -p)
    if test -z "$(__edgectl_tokens -t)"
        set -l index (count (__edgectl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'edgectl' -f
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'apply' -d 'Validate manifests, record them as the desired state, and converge the fleet.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'diff' -d 'Show what applying manifests would change.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'get' -d 'List objects from the state.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'describe' -d 'Show one node, node group or service in full, with its recent events.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'delete' -d 'Remove objects from the desired state.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'reconcile' -d 'Observe the nodes and converge them to the recorded desired state.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'rollout' -d 'Inspect and steer rollouts.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'status' -d 'The fleet at a glance: which nodes answer, where each service stands, and what needs attention.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'logs' -d 'Print a service\'s output from its nodes.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'exec' -d 'Run an ad-hoc command on many nodes at once.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'node' -d 'Node maintenance.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'render' -d 'Show what a node would get for a service: its environment and config files.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'lock' -d 'Who holds the state\'s run lock, and breaking it.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'state' -d 'Move a whole state between backends.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'completion' -d 'Print a shell completion script.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply"' -s 'f' -l 'filename' -d 'A manifest file, a directory of them, or - for standard input. Repeatable.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" R recursive' -s 'R' -l 'recursive' -d 'Descend into subdirectories of directories given with -f.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" dry-run' -l 'dry-run' -d 'Print the plan and change nothing.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" prune' -l 'prune' -d 'Delete from the desired state what was applied from these files before but is no longer in them.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" verify' -l 'verify' -d 'Re-hash every file on the nodes instead of the quick drift check.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" o output' -s 'o' -l 'output' -d 'text (progress on stderr) or json (one event per line on stdout).' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff"' -s 'f' -l 'filename' -d 'A manifest file, a directory of them, or - for standard input. Repeatable.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" R recursive' -s 'R' -l 'recursive' -d 'Descend into subdirectories of directories given with -f.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" insecure-accept-host-keys' -l 'insecure-accept-host-keys' -d 'Let a node never contacted before answer without recording its host key (a throwaway lab). Never overrides a pinned or recorded key.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" no-refresh' -l 'no-refresh' -d 'Plan from the last observed state without contacting nodes.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" prune' -l 'prune' -d 'Include deletions of objects applied from these files before but no longer in them.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl get" -eq 1' -fka 'nodes nodegroups services secrets releases events endpoints'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl get" -eq 2' -fka '(__edgectl_custom_completion ---completion get -- positional@1 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" l selector' -s 'l' -l 'selector' -d 'Label selector, e.g. site=berlin,tier!=db,gpu,!legacy,env in (a,b).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" o output' -s 'o' -l 'output' -d 'table, wide, json, yaml, name, or (endpoints) prometheus-sd.' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" for' -l 'for' -d 'Events: only those about this object (service/NAME, node/NAME, nodegroup/NAME).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" since' -l 'since' -d 'Events: only those newer than this (30s, 15m, 1h, 2d).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl describe" -eq 1' -fka 'node nodegroup service'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl describe" -eq 2' -fka '(__edgectl_custom_completion ---completion describe -- positional@1 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl describe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete"' -s 'f' -l 'filename' -d 'Delete what these manifests define.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" R recursive' -s 'R' -l 'recursive' -d 'Descend into subdirectories of directories given with -f.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl delete" -eq 1' -fka 'node nodegroup service'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl delete" -ge 2' -fka '(__edgectl_custom_completion ---completion delete -- positional@1 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile"' -l 'service' -d 'Only this service (repeatable).' -rfka '(__edgectl_custom_completion ---completion reconcile -- --service (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" l selector' -s 'l' -l 'selector' -d 'Only nodes matching this label selector.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" verify' -l 'verify' -d 'Re-hash every file on the nodes instead of the quick drift check.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" o output' -s 'o' -l 'output' -d 'text (progress on stderr) or json (one event per line on stdout).' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl reconcile" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout" -eq 1' -fa 'status' -d 'The latest rollout of a service and where each node stands.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout" -eq 1' -fa 'history' -d 'A service\'s revisions: digest, version, when, by whom, and what became of them.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout" -eq 1' -fa 'undo' -d 'Roll a service back to an earlier revision, through the same batches and health checks.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout" -eq 1' -fa 'pause' -d 'Stop a service\'s rollout at its next batch boundary and keep reconcile off it until resume.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout" -eq 1' -fa 'resume' -d 'Let reconcile work on a paused service again (run reconcile or apply to continue).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout status" -eq 1' -fka '(__edgectl_custom_completion ---completion rollout status -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" o output' -s 'o' -l 'output' -d 'text, json or yaml.' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout history" -eq 1' -fka '(__edgectl_custom_completion ---completion rollout history -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" o output' -s 'o' -l 'output' -d 'text, json or yaml.' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout undo" -eq 1' -fka '(__edgectl_custom_completion ---completion rollout undo -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" to-revision' -l 'to-revision' -d 'The revision to return to (default: the one before the current).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" o output' -s 'o' -l 'output' -d 'text (progress on stderr) or json (one event per line on stdout).' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout undo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout pause" -eq 1' -fka '(__edgectl_custom_completion ---completion rollout pause -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout pause" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl rollout resume" -eq 1' -fka '(__edgectl_custom_completion ---completion rollout resume -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl rollout resume" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" insecure-accept-host-keys' -l 'insecure-accept-host-keys' -d 'Let a node never contacted before answer without recording its host key (a throwaway lab). Never overrides a pinned or recorded key.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" no-refresh' -l 'no-refresh' -d 'Answer from the state without contacting nodes.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" l selector' -s 'l' -l 'selector' -d 'Only nodes matching this label selector.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" o output' -s 'o' -l 'output' -d 'table or json (with --watch: one JSON document per line per refresh).' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" w watch' -s 'w' -l 'watch' -d 'Refresh and redraw until interrupted.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" interval' -l 'interval' -d 'Seconds between refreshes with --watch.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" insecure-accept-host-keys' -l 'insecure-accept-host-keys' -d 'Let a node never contacted before answer without recording its host key (a throwaway lab). Never overrides a pinned or recorded key.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl logs" -eq 1' -fka '(__edgectl_custom_completion ---completion logs -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs"' -l 'node' -d 'A node (repeatable).' -rfka '(__edgectl_custom_completion ---completion logs -- --node (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs"' -l 'group' -d 'The members of a node group (repeatable).' -rfka '(__edgectl_custom_completion ---completion logs -- --group (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" l selector' -s 'l' -l 'selector' -d 'Nodes matching this label selector.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" tail' -l 'tail' -d 'Lines from the end of each node\'s log, or all.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" f follow' -s 'f' -l 'follow' -d 'Keep printing what the service writes, until interrupted.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" p previous' -s 'p' -l 'previous' -d 'The output of the last failed attempt on each node, instead of the log.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl logs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec"' -l 'node' -d 'A node (repeatable).' -rfka '(__edgectl_custom_completion ---completion exec -- --node (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec"' -l 'group' -d 'The members of a node group (repeatable).' -rfka '(__edgectl_custom_completion ---completion exec -- --group (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" l selector' -s 'l' -l 'selector' -d 'Nodes matching this label selector.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" all' -l 'all' -d 'Run on every node of the fleet.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" grouped' -l 'grouped' -d 'Print each node\'s output as one block, in node order, once all have finished.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" timeout' -l 'timeout' -d 'Stop the command on a node after this many seconds.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" o output' -s 'o' -l 'output' -d 'text (lines led by node names) or json (one document when all have finished).' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl node" -eq 1' -fa 'trust' -d 'Accept a node\'s new host key after a planned re-key.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl node trust" -eq 1' -fka '(__edgectl_custom_completion ---completion node trust -- positional@0 (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" expect' -l 'expect' -d 'The new key\'s SHA256 fingerprint; nothing is recorded unless the node presents it.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl node trust" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" node' -l 'node' -d 'The node to render for.' -rfka '(__edgectl_custom_completion ---completion render -- --node (count (__edgectl_tokens -pc)) (__edgectl_tokens -tC))'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render"' -s 'f' -l 'filename' -d 'Render from these manifests (over the recorded state) instead. Repeatable.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" o output' -l 'output' -s 'o' -d 'Output format: text, yaml or json.' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl render" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl lock" -eq 1' -fa 'status' -d 'The holder (user, host, pid, command, since) and its lease.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl lock" -eq 1' -fa 'release' -d 'Break the run lock whoever holds it (recorded as an event naming you and the holder).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" o output' -s 'o' -l 'output' -d 'text or json.' -rfka 'text table wide json yaml name prometheus-sd'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" force' -l 'force' -d 'Required: releasing someone else\'s lock is deliberate.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl lock release" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl state" -eq 1' -fa 'copy' -d 'Copy a whole state into an empty one (SQLite file ⇄ postgres://…), then compare every table.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" state' -l 'state' -d 'The state file (env EDGECTL_STATE).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'db\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" parallel' -l 'parallel' -d 'Concurrent node connections.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for a node to answer.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another run\'s lock on the state (0: fail at once).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" no-color' -l 'no-color' -d 'No colour (also: the NO_COLOR environment variable).'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" v verbose' -l 'verbose' -s 'v' -d 'More detail on what is happening.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" from' -l 'from' -d 'The state to copy (a file or postgres://…).' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" to' -l 'to' -d 'An empty state to copy into.' -rfka ''
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl state copy" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_positional "edgectl completion" -eq 1' -fka 'bash zsh fish'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl completion" version' -l 'version' -d 'Show the version.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl completion" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'edgectl' -n '__edgectl_should_offer_completions_for_flags_or_options "edgectl help" version' -l 'version' -d 'Show the version.'